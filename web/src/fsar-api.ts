/**
 * The dashboard's view of the FSAR API (src/http/routes/fsar-routes.ts): reports, their findings
 * across reports, the execution gate and the operator-action log. The engine's own shapes
 * (src/fsar/, src/tasks/), as JSON carries them, imported as types only, so nothing of the server
 * reaches the bundle. No DOM types here, so that the server's tsconfig can check it too.
 */

import type {
  Evidence,
  Finding,
  FsarReport,
  LoopSummary,
  ProposalAction,
  ProposalSection,
  ResolvedFinding,
} from "../../src/fsar/fsar-report.ts";
import type {
  FindingState as EngineFindingState,
  StoredReport as EngineStoredReport,
} from "../../src/fsar/report-store.ts";
import type { Jsonified } from "../../src/jsonified.ts";
import type {
  GateChange as EngineGateChange,
  GateState as EngineGateState,
} from "../../src/tasks/execution-gate.ts";
import type { OperatorAction as EngineOperatorAction } from "../../src/tasks/operator-actions.ts";
import type { KindState as EngineKindState } from "../../src/tasks/pause-kinds.ts";
import { apiCall } from "./http-client.ts";

export type { Evidence, Finding, FsarReport, LoopSummary, ProposalAction, ProposalSection, ResolvedFinding };
export type StoredReport = Jsonified<EngineStoredReport>;
export type FindingState = Jsonified<EngineFindingState>;
export type GateState = Jsonified<EngineGateState>;
export type GateClosure = GateState["closures"][number];
export type GateOverride = GateState["overrides"][number];
export type GateChange = Jsonified<EngineGateChange>;
export type OperatorAction = Jsonified<EngineOperatorAction>;
export type KindState = Jsonified<EngineKindState>;

/** One report whole, as GET /api/fsar/{report} answers: its JSON, its Markdown, and its row. */
export interface ShownReport {
  report: FsarReport;
  markdown: string;
  stored: StoredReport;
}

/** How many reports the history shows (the chart and the table). */
export const historyLimit = 50;
/** How many entries of the operator-action log the page shows. */
export const actionsLimit = 20;

export async function fetchReports(signal?: AbortSignal): Promise<StoredReport[]> {
  return (await apiCall<{ reports: StoredReport[] }>("GET", `/api/fsar?limit=${historyLimit}`, signal))
    .reports;
}

export function fetchReport(id: string, signal?: AbortSignal): Promise<ShownReport> {
  return apiCall<ShownReport>("GET", `/api/fsar/${encodeURIComponent(id)}`, signal);
}

export async function fetchOpenFindings(signal?: AbortSignal): Promise<FindingState[]> {
  return (await apiCall<{ findings: FindingState[] }>("GET", "/api/fsar/findings?status=open", signal))
    .findings;
}

export function fetchGate(signal?: AbortSignal): Promise<GateState> {
  return apiCall<GateState>("GET", "/api/gate", signal);
}

export async function fetchOperatorActions(signal?: AbortSignal): Promise<OperatorAction[]> {
  return (
    await apiCall<{ actions: OperatorAction[] }>("GET", `/api/operator-actions?limit=${actionsLimit}`, signal)
  ).actions;
}

/** The kinds this Steward knows: what the gate can be closed for by name. */
export async function fetchKinds(signal?: AbortSignal): Promise<KindState[]> {
  return (await apiCall<{ kinds: KindState[] }>("GET", "/api/kinds", signal)).kinds;
}

/** Assesses now, stores the report and sets the gate from it (`steward fsar run`). */
export function runReport(): Promise<FsarReport> {
  return apiCall<FsarReport>("POST", "/api/fsar/run");
}

/** Marks a report as read; it changes nothing else (`steward fsar ack`). */
export function acknowledgeReport(id: string): Promise<StoredReport> {
  return apiCall<StoredReport>("POST", `/api/fsar/${encodeURIComponent(id)}/ack`);
}

/**
 * Opens the gate by hand (`steward gate open`): lets go of every closure of these kinds (all of
 * them when none is named) and overrides the blocking findings behind them. The server refuses
 * without a reason, and says so.
 */
export function openGate(reason: string, kinds: string[]): Promise<GateChange> {
  return apiCall<GateChange>("POST", "/api/gate/open", undefined, { reason, kinds });
}

/** Closes the gate by hand (`steward gate close`), for these kinds or every kind; it stays closed until opened by hand. */
export function closeGate(reason: string, kinds: string[]): Promise<GateChange> {
  return apiCall<GateChange>("POST", "/api/gate/close", undefined, { reason, kinds });
}
