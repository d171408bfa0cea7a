import type { Readable } from "node:stream";
import { findBackfill } from "../backfill/backfills.ts";
import { type RunBackfillOptions, runBackfill } from "../backfill/run-backfill.ts";
import { fixSchema } from "../doctor/fix-schema.ts";
import { runDoctor } from "../doctor/run-doctor.ts";
import type { StewardError } from "../errors.ts";
import { planReport } from "../fsar/fsar-plan.ts";
import { importReport } from "../fsar/import-report.ts";
import {
  acknowledgeReport,
  getReport,
  listFindings,
  listReports,
  resolveFinding,
} from "../fsar/report-store.ts";
import { writeReport } from "../fsar/write-report.ts";
import {
  type MigrationRunResult,
  migrateDown,
  migrateUp,
  migrationStatus,
  planMigrations,
  repairMigrations,
} from "../migrate/migrator.ts";
import { getModelsStatus } from "../models/model-status.ts";
import { addExpenses, importExpenses, listExpenses, removeExpenses } from "../money/expenses.ts";
import type { LedgerMode } from "../money/ledger.ts";
import { ledgerOf, roiReport, stripeEventsOf } from "../money/money-queries.ts";
import type { RoiDimension } from "../money/roi.ts";
import { type StripeApiAccess, stripeAccessOf } from "../money/stripe-api.ts";
import { importStripePage } from "../money/stripe-import.ts";
import type { StripeEventStatus } from "../money/stripe-processing.ts";
import { reprocessStripeEvents } from "../money/stripe-processing.ts";
import { replayStripeEvents } from "../money/stripe-replay.ts";
import {
  cancelNamedTasks,
  listDeadTasks,
  retryAllDeadTasks,
  retryNamedTasks,
} from "../tasks/change-tasks.ts";
import { enqueueTasks } from "../tasks/enqueue-tasks.ts";
import { closeGateByHand, gateState, overrideGate } from "../tasks/execution-gate.ts";
import { type Actor, listOperatorActions } from "../tasks/operator-actions.ts";
import { describeKinds, pauseKnownKinds, resumeKnownKinds } from "../tasks/pause-kinds.ts";
import { listTasks, type TaskFilter } from "../tasks/query-tasks.ts";
import { requireTask } from "../tasks/require-task.ts";
import { importTasks } from "../tasks/task-lines.ts";
import { listAlerts } from "../telemetry/alerts.ts";
import { type IndicatorName, indicatorSeriesOf } from "../telemetry/indicator-series.ts";
import { type BreachQuery, listBreaches } from "../telemetry/target-breaches.ts";
import { measureAgainstTargets } from "../telemetry/targets.ts";
import type { StatsRequest } from "../telemetry/task-measures.ts";
import type { Deps } from "./deps.ts";
import { fsarDepsOf } from "./fsar-deps.ts";
import { indicatorReaders } from "./indicator-readers.ts";
import { getSystemStatus } from "./system-status.ts";

/**
 * Everything the CLI can do with a database, as one call each: the CLI runs these in its own
 * process, or, when a `steward start` holds the embedded database, through that process's API,
 * whose routes call these same functions. So both paths answer with the same values and the
 * same errors. Each returns a value that survives JSON (expected failures are values, such as a
 * migration run's `error`), because that is what crosses HTTP.
 */
export function stewardOperations(deps: Deps) {
  return {
    status: () => getSystemStatus(deps, { waiting: true }),
    models: () => getModelsStatus(deps.db, deps.models),
    stats: (request: StatsRequest) =>
      measureAgainstTargets(deps.db, deps.clock, deps.config.telemetry.targets, request),
    breaches: (query: BreachQuery) => listBreaches(deps.db, query),
    indicators: (request: { since?: string; until?: string; indicators?: IndicatorName[] }) =>
      indicatorSeriesOf(deps.db, deps.clock, request, indicatorReaders(deps)),
    alerts: (options: { open?: boolean; limit?: number }) => listAlerts(deps.db, options),
    stripeEvents: (query: { status?: StripeEventStatus; type?: string; limit?: number }) =>
      stripeEventsOf(deps.db, query),
    ledger: (query: { since?: Date; idea?: string; mode?: LedgerMode; limit?: number }) =>
      ledgerOf(deps.db, deps.config.stripe, query),
    replayStripeEvents: (events: unknown[], process?: boolean) =>
      replayStripeEvents(deps, events, { process }),
    roi: (query: { by?: RoiDimension; since?: Date; until?: Date; mode?: LedgerMode }) =>
      roiReport(deps.db, deps.config, query, deps.clock.now()),
    reprocessStripeEvents: (query: { ids?: string[]; allFailed?: boolean }) =>
      reprocessStripeEvents(deps.db, { ...query, api: stripeAccessOf(deps.config.stripe) }),
    importStripePage: (access: StripeApiAccess, options: { since?: Date; process?: boolean }) =>
      importStripePage(deps, access, options),
    addExpenses: (inputs: unknown[]) => addExpenses(deps.db, inputs, deps.clock.now()),
    listExpenses: () => listExpenses(deps.db),
    removeExpenses: (ids: number[]) => removeExpenses(deps.db, ids, deps.clock.now()),
    importExpenses: (csv: string, skipBadRows?: boolean) =>
      importExpenses(deps.db, csv, { skipBadRows, today: deps.clock.now() }),
    listTasks: (filter: TaskFilter) => listTasks(deps.db, filter),
    getTask: (id: number) => requireTask(deps.db, id),
    addTasks: (inputs: unknown[]) => enqueueTasks(deps, inputs),
    importTasks: (source: Readable, name: string, onProgress?: (message: string) => void) =>
      importTasks(deps, source, name, onProgress),
    cancelTasks: (ids: number[], reason?: string) => cancelNamedTasks(deps.db, ids, reason),
    retryTasks: (ids: number[], attempts?: number) => retryNamedTasks(deps, ids, attempts),
    deadTasks: (options: { kinds?: string[]; limit?: number }) => listDeadTasks(deps, options),
    retryAllDead: (options: { kinds?: string[]; attempts?: number }) => retryAllDeadTasks(deps, options),
    pauseKinds: (kinds: string[], reason?: string) => pauseKnownKinds(deps, kinds, reason ?? null),
    resumeKinds: (kinds: string[]) => resumeKnownKinds(deps, kinds),
    kinds: () => describeKinds(deps),
    migrationStatus: () => migrationStatus(deps.db, deps.migrations),
    migrateUp: async (to?: number) => runReport(await migrateUp(deps.db, deps.migrations, { to })),
    migrateDown: async (to?: number) => runReport(await migrateDown(deps.db, deps.migrations, { to })),
    planMigrations: async (options: { direction: "up" | "down"; to?: number }) => {
      const plan = await planMigrations(deps.db, deps.migrations, options);
      return { steps: plan.steps, error: errorValue(plan.error) };
    },
    repairMigrations: async (versions?: number[]) => ({
      accepted: (await repairMigrations(deps.db, deps.migrations, { versions })).map((s) => s.name),
    }),
    doctor: () => runDoctor(deps),
    fixSchema: () => fixSchema(deps),
    runBackfill: (name: string, options: RunBackfillOptions) =>
      runBackfill(deps.db, findBackfill(name), options),
    fsarRun: async (actor: Actor) =>
      (await writeReport(fsarDepsOf(deps), { trigger: "demand", actor })).report,
    fsarList: (options: { limit?: number; source?: string }) => listReports(deps.db, options),
    fsarShow: (id: string) => getReport(deps.db, id),
    fsarAck: (id: string, actor: Actor) => acknowledgeReport(deps.db, id, actor),
    fsarFindings: (options: { status?: "open" | "resolved"; source?: string; limit?: number }) =>
      listFindings(deps.db, options),
    fsarResolve: (key: string, actor: Actor, reason?: string) =>
      resolveFinding(deps.db, key, actor, { reason: reason ?? null }),
    fsarImport: async (text: string, source: string, actor: Actor) => {
      const { report, format } = await importReport(deps.db, text, { source, actor });
      return { report, format, gate: await gateState(deps.db) };
    },
    fsarPlan: (id: string, enqueue: boolean, actor: Actor) => planReport(deps, id, { enqueue, actor }),
    gate: () => gateState(deps.db),
    closeGate: (kinds: string[], reason: string, actor: Actor) =>
      closeGateByHand(deps, { kinds, reason, actor }),
    openGate: (kinds: string[], reason: string, actor: Actor) =>
      overrideGate(deps.db, { kinds, reason, actor }),
    operatorActions: (options: { limit?: number }) => listOperatorActions(deps.db, options),
  };
}

export type StewardOperations = ReturnType<typeof stewardOperations>;

/** A migration run as a value: the steps, and the error that stopped it (code and message). */
export interface MigrationRunReport {
  steps: MigrationRunResult["steps"];
  error?: { code: string; message: string };
}

function runReport(run: MigrationRunResult): MigrationRunReport {
  return { steps: run.steps, error: errorValue(run.error) };
}

function errorValue(error: StewardError | undefined): { code: string; message: string } | undefined {
  return error ? { code: error.code, message: error.message } : undefined;
}
