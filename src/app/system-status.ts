import { runDoctor } from "../doctor/run-doctor.ts";
import { sqlState } from "../errors.ts";
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
}

export async function getSystemStatus(
  deps: Pick<Deps, "db" | "migrations" | "expectedSchema" | "clock" | "logger">,
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
  };
}
