import {
  fsarFindingsQuerySchema,
  fsarIdParamsSchema,
  fsarImportQuerySchema,
  fsarListQuerySchema,
  fsarPlanBodySchema,
  fsarResolveBodySchema,
  fsarShowQuerySchema,
  gateChangeBodySchema,
  operatorActionsQuerySchema,
} from "../operation-schemas.ts";
import { type ApiOperation, invalid } from "./api-operation.ts";

const reportShape =
  "`{ id, timestamp, severity, block_execution, source, trigger, findings: [{ assessor, code, key, severity, blocking, summary, evidence, kinds }], proposal: { summary, sections, conclusion }, risks, mitigations, resolved, loop, failedAssessors, narrative }`";

/** FSAR reports, their findings, the execution gate and the operator-action log (docs/fsar.md). */
export const fsarOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/fsar",
    summary: "Stored reports, newest first: Steward's own and imported ones (`steward fsar ls`)",
    tag: "fsar",
    query: fsarListQuerySchema,
    responses: {
      200: "`{ reports: [{ id, createdAt, source, trigger, severity, blockExecution, findings, ackedAt, ackedBy }] }`",
    },
  },
  {
    method: "post",
    path: "/api/fsar/run",
    summary:
      "Assesses the system now, stores the report and sets the gate from it: closed for its blocking findings' kinds, or opened when it has none (`steward fsar run`)",
    tag: "fsar",
    responses: { 201: `The report: ${reportShape}` },
  },
  {
    method: "post",
    path: "/api/fsar",
    summary:
      "Imports a report written by another system, as the body: Markdown in the FSAR layout or its JSON. Stored under `import:<source>`; its block_execution: true closes the gate like Steward's own (`steward fsar import`)",
    tag: "fsar",
    query: fsarImportQuerySchema,
    responses: {
      201: "`{ report, format, gate }`",
      400: "Not a report: `error.details` names the line (and, for JSON, the path), what was expected and what was found; nothing is stored",
      409: "A report with this id is stored already",
      413: "A body over 1 MiB",
    },
  },
  {
    method: "get",
    path: "/api/fsar/findings",
    summary:
      "Findings across reports, with their life: first and last seen, times seen, reopened, resolved (`steward fsar findings`)",
    tag: "fsar",
    query: fsarFindingsQuerySchema,
    responses: { 200: "`{ findings: [...] }`" },
  },
  {
    method: "post",
    path: "/api/fsar/findings/resolve",
    summary:
      "Marks an open finding resolved by an operator; a later report that finds it again reopens it (`steward fsar resolve`)",
    tag: "fsar",
    body: fsarResolveBodySchema,
    responses: { 200: "The finding's state", 400: invalid, 404: "No open finding has that key" },
  },
  {
    method: "get",
    path: "/api/fsar/{report}",
    summary:
      "One report: `{ report, markdown, stored }`, or with format=markdown its Markdown alone (`steward fsar show`)",
    tag: "fsar",
    params: fsarIdParamsSchema,
    query: fsarShowQuerySchema,
    responses: { 200: "The report", 404: "No report has that id" },
  },
  {
    method: "post",
    path: "/api/fsar/{report}/ack",
    summary: "Acknowledges a report (read by an operator); the gate does not change (`steward fsar ack`)",
    tag: "fsar",
    params: fsarIdParamsSchema,
    responses: { 200: "The report as listed", 404: "No report has that id" },
  },
  {
    method: "post",
    path: "/api/fsar/{report}/plan",
    summary:
      "Each action of the report's proposal as a self_improvement task (stage Self-Improvement) linked to its findings, with their evidence in its payload; enqueued when enqueue is true, once per action (`steward fsar plan`)",
    tag: "fsar",
    params: fsarIdParamsSchema,
    body: fsarPlanBodySchema,
    responses: {
      200: "`{ reportId, enqueued, actions: [...] }`",
      400: invalid,
      404: "No report has that id",
    },
  },
  {
    method: "get",
    path: "/api/gate",
    summary:
      "The execution gate: open, or closed for every kind or some, by which causes and reports, and the overrides in force (`steward gate status`)",
    tag: "fsar",
    responses: { 200: "`{ open, closedForAll, closedKinds, closures, overrides }`" },
  },
  {
    method: "post",
    path: "/api/gate/close",
    summary:
      "Closes the gate by hand, for some kinds or all of them, with a reason; it stays closed until opened by hand (`steward gate close`)",
    tag: "fsar",
    body: gateChangeBodySchema,
    responses: {
      200: "`{ closed, opened, state }`",
      400: `${invalid} A reason is required; kinds must exist.`,
    },
  },
  {
    method: "post",
    path: "/api/gate/open",
    summary:
      "Opens the gate by hand (an override), with a reason: every closure of those kinds is let go, and the blocking findings behind them are let through until they are no longer found (`steward gate open`)",
    tag: "fsar",
    body: gateChangeBodySchema,
    responses: { 200: "`{ closed, opened, state }`", 400: `${invalid} A reason is required.` },
  },
  {
    method: "get",
    path: "/api/operator-actions",
    summary:
      "The operator-action log, newest first: who closed, opened or overrode the gate, acknowledged, resolved, imported or planned, when, why and which report",
    tag: "fsar",
    query: operatorActionsQuerySchema,
    responses: { 200: "`{ actions: [{ id, at, actor, via, action, reason, reportId, kinds, details }] }`" },
  },
];
