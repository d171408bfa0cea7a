import { runDoctor } from "../doctor/run-doctor.ts";
import { sqlState } from "../errors.ts";
import { gateState } from "../tasks/execution-gate.ts";
import { getWaitingTasks, type WaitingTasks } from "../tasks/waiting-tasks.ts";
import { version } from "../version.ts";
import type { Deps } from "./deps.ts";

/** What the status page, `/readyz` and `steward status` show. */
export interface SystemStatus {
  version: string;
  database: {
    kind: "pglite" | "postgres";
    /** Safe to show: no password. */
    description: string;
    reachable: boolean;
    error?: string;
  };
  schema: {
    status: "clean" | "drift" | "pending" | "unknown";
    applied: number;
    pending: number;
    latest: string | null;
    changed: string[];
    differences: { kind: string; table: string; object?: string; repair?: string; explanation?: string }[];
  };
  ready: boolean;
  checkedAt: string;
  /**
   * Queued and blocked tasks by why they wait (src/tasks/waiting-tasks.ts), when asked for:
   * `steward status` and GET /api/status ask, readiness does not. Null when it could not be read.
   */
  waiting?: WaitingTasks | null;
  /**
   * The execution gate, with the waiting tasks: open, or closed for every kind or some, and the
   * first closure's reason and report. Null when it could not be read.
   */
  gate?: {
    open: boolean;
    closedForAll: boolean;
    closedKinds: string[];
    reason: string | null;
    reportId: string | null;
  } | null;
}

export async function getSystemStatus(
  deps: Pick<Deps, "db" | "migrations" | "expectedSchema" | "clock" | "logger">,
  options: { waiting?: boolean } = {},
): Promise<SystemStatus> {
  const checkedAt = deps.clock.now().toISOString();
  const database = {
    kind: deps.db.kind,
    description: deps.db.description,
    reachable: true,
  } as SystemStatus["database"];
  try {
    await deps.db.query("SELECT 1");
  } catch (error) {
    // The driver's words may name hosts or users: they go to the log, a short reason to the caller.
    deps.logger.warn({ err: error }, "status check: database did not answer");
    database.reachable = false;
    database.error = `the database did not answer (${sqlState(error) ?? (error as NodeJS.ErrnoException).code ?? "no error code"})`;
    return {
      version,
      database,
      schema: { status: "unknown", applied: 0, pending: 0, latest: null, changed: [], differences: [] },
      ready: false,
      checkedAt,
      ...(options.waiting ? { waiting: null, gate: null } : {}),
    };
  }
  const report = await runDoctor(deps);
  const applied = report.migrations.states.filter((s) => s.status === "applied" || s.status === "changed");
  return {
    version,
    database,
    schema: {
      status: report.status,
      applied: report.migrations.applied,
      pending: report.migrations.pending,
      latest: applied.at(-1)?.name ?? null,
      changed: report.migrations.changed.map((s) => s.name),
      differences: report.differences.map(({ kind, table, object, repair, explanation }) => ({
        kind,
        table,
        object,
        repair,
        explanation,
      })),
    },
    ready: report.status === "clean",
    checkedAt,
    ...(options.waiting ? { waiting: await readWaiting(deps), gate: await readGate(deps) } : {}),
  };
}

async function readGate(deps: Pick<Deps, "db" | "logger">): Promise<SystemStatus["gate"]> {
  try {
    const state = await gateState(deps.db);
    const first = state.closures[0];
    return {
      open: state.open,
      closedForAll: state.closedForAll,
      closedKinds: state.closedKinds,
      reason: first?.reason ?? null,
      reportId: first?.reportId ?? null,
    };
  } catch (error) {
    deps.logger.warn({ err: error }, "status check: the execution gate could not be read");
    return null;
  }
}

/** A schema that drifted may not have what the count reads: the rest of the status still stands. */
async function readWaiting(deps: Pick<Deps, "db" | "logger">): Promise<WaitingTasks | null> {
  try {
    return await getWaitingTasks(deps.db);
  } catch (error) {
    deps.logger.warn({ err: error }, "status check: the waiting tasks could not be counted");
    return null;
  }
}
