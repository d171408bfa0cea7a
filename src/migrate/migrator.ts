import type { Database, Queryable, Session } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import type { Migration } from "./migration-files.ts";
import {
  type AppliedMigration,
  historyTableSql,
  readHistory,
  recordApplied,
  recordReverted,
  updateChecksum,
} from "./migration-history.ts";

/**
 * Applies and reverts numbered migrations. Each migration runs in its own transaction together
 * with its row in `steward_migrations`, so none is ever left half-applied. A session-level
 * advisory lock makes concurrent migrators (several processes starting at once on one
 * PostgreSQL) queue up: the first applies, the others find nothing left to do.
 * Expected outcomes are values (`MigrationRunResult`), as in Kysely's migrator.
 */

/** "STEWARD" in ASCII, as the advisory lock key shared by every Steward migrator. */
const migrationLockKey = 0x53544557415244n;

export type MigrationStatus = "applied" | "pending" | "changed" | "unknown";

export interface MigrationState {
  version: number;
  name: string;
  /** applied; pending; changed = applied, but the file differs from what ran; unknown = applied, no file here. */
  status: MigrationStatus;
  appliedAt: Date | null;
  executionMs: number | null;
  fileChecksum: string | null;
  appliedChecksum: string | null;
}

export interface MigrationStatusReport {
  states: MigrationState[];
  applied: number;
  pending: number;
  changed: MigrationState[];
  unknown: MigrationState[];
  /** True when every known migration is applied and none changed or is unknown. */
  current: boolean;
}

export interface MigrationStepResult {
  version: number;
  name: string;
  direction: "up" | "down";
  status: "done" | "error" | "not_run";
  ms?: number;
  error?: string;
}

export interface MigrationRunResult {
  steps: MigrationStepResult[];
  error?: StewardError;
}

export interface PlannedStep {
  version: number;
  name: string;
  direction: "up" | "down";
  sql: string;
}

export async function migrationStatus(
  db: Queryable,
  migrations: Migration[],
): Promise<MigrationStatusReport> {
  return buildStatus(migrations, await readHistory(db));
}

function buildStatus(migrations: Migration[], history: AppliedMigration[]): MigrationStatusReport {
  const applied = new Map(history.map((row) => [row.version, row]));
  const states: MigrationState[] = migrations.map((migration) => {
    const row = applied.get(migration.version);
    return {
      version: migration.version,
      name: migration.name,
      status: row === undefined ? "pending" : row.checksum === migration.checksum ? "applied" : "changed",
      appliedAt: row?.appliedAt ?? null,
      executionMs: row?.executionMs ?? null,
      fileChecksum: migration.checksum,
      appliedChecksum: row?.checksum ?? null,
    };
  });
  const known = new Set(migrations.map((m) => m.version));
  for (const row of history) {
    if (known.has(row.version)) continue;
    states.push({
      version: row.version,
      name: row.name,
      status: "unknown",
      appliedAt: row.appliedAt,
      executionMs: row.executionMs,
      fileChecksum: null,
      appliedChecksum: row.checksum,
    });
  }
  states.sort((a, b) => a.version - b.version);
  const changed = states.filter((s) => s.status === "changed");
  const unknown = states.filter((s) => s.status === "unknown");
  const pending = states.filter((s) => s.status === "pending").length;
  return {
    states,
    applied: states.length - pending - unknown.length,
    pending,
    changed,
    unknown,
    current: pending === 0 && changed.length === 0 && unknown.length === 0,
  };
}

/** The reason an applied history does not allow migrating, or null. */
function historyProblem(report: MigrationStatusReport): StewardError | null {
  const first = report.changed[0];
  if (first) {
    const names = report.changed.map((s) => s.name).join(", ");
    return new StewardError(
      "migration_checksum_mismatch",
      `Migration ${names} changed after it was applied (applied checksum ${first.appliedChecksum?.slice(0, 12)}…, file ${first.fileChecksum?.slice(0, 12)}…). ` +
        "Databases that already ran it will not see the change. Restore the file and put the change in a new migration; " +
        "if the edit is harmless (a comment, formatting), accept it with `steward migrate repair`.",
      { details: { changed: report.changed.map((s) => s.name) } },
    );
  }
  const unknown = report.unknown[0];
  if (unknown) {
    return new StewardError(
      "migration_invalid",
      `The database has migration ${report.unknown.map((s) => s.name).join(", ")} applied, which this Steward does not have. ` +
        "It was migrated by a newer Steward: run that version, or migrate down with it first.",
      { details: { unknown: report.unknown.map((s) => s.name) } },
    );
  }
  return null;
}

/** Applies pending migrations up to `to` (default: all), under the migration lock. */
export async function migrateUp(
  db: Database,
  migrations: Migration[],
  options: { to?: number } = {},
): Promise<MigrationRunResult> {
  return withMigrationLock(db, async (session) => {
    const report = buildStatus(migrations, await readHistory(session));
    const problem = historyProblem(report);
    if (problem) return { steps: [], error: problem };
    const target = options.to ?? migrations.length;
    const todo = migrations.filter(
      (m) => m.version <= target && report.states.find((s) => s.version === m.version)?.status === "pending",
    );
    return runSteps(session, todo, "up");
  });
}

/** Reverts applied migrations down to version `to` (kept applied); default: the last one only. */
export async function migrateDown(
  db: Database,
  migrations: Migration[],
  options: { to?: number } = {},
): Promise<MigrationRunResult> {
  return withMigrationLock(db, async (session) => {
    const report = buildStatus(migrations, await readHistory(session));
    const problem = historyProblem(report);
    if (problem) return { steps: [], error: problem };
    const applied = report.states.filter((s) => s.status === "applied").map((s) => s.version);
    const latest = Math.max(0, ...applied);
    const target = options.to ?? Math.max(0, latest - 1);
    const todo = migrations.filter((m) => m.version > target && applied.includes(m.version)).reverse();
    return runSteps(session, todo, "down");
  });
}

/** The SQL that `migrateUp` / `migrateDown` would run, without running it or taking the lock. */
export async function planMigrations(
  db: Queryable,
  migrations: Migration[],
  options: { direction: "up" | "down"; to?: number },
): Promise<{ steps: PlannedStep[]; error?: StewardError }> {
  const report = await migrationStatus(db, migrations);
  const problem = historyProblem(report);
  if (problem) return { steps: [], error: problem };
  const applied = report.states.filter((s) => s.status === "applied").map((s) => s.version);
  if (options.direction === "up") {
    const target = options.to ?? migrations.length;
    return {
      steps: migrations
        .filter((m) => m.version <= target && !applied.includes(m.version))
        .map((m) => ({ version: m.version, name: m.name, direction: "up", sql: m.up })),
    };
  }
  const target = options.to ?? Math.max(0, Math.max(0, ...applied) - 1);
  return {
    steps: migrations
      .filter((m) => m.version > target && applied.includes(m.version))
      .reverse()
      .map((m) => ({ version: m.version, name: m.name, direction: "down", sql: m.down })),
  };
}

/**
 * Accepts the current files of changed migrations: records their checksums as applied.
 * Runs nothing else; for an edit that is known to be harmless. Returns the versions accepted.
 */
export async function repairMigrations(
  db: Database,
  migrations: Migration[],
  options: { versions?: number[] } = {},
): Promise<MigrationState[]> {
  return withMigrationLock(db, async (session) => {
    const report = buildStatus(migrations, await readHistory(session));
    const accepted = report.changed.filter(
      (s) => options.versions === undefined || options.versions.includes(s.version),
    );
    await session.transaction(async (tx) => {
      for (const state of accepted) await updateChecksum(tx, state.version, state.name, state.fileChecksum!);
    });
    return accepted;
  });
}

async function runSteps(
  session: Session,
  todo: Migration[],
  direction: "up" | "down",
): Promise<MigrationRunResult> {
  const steps: MigrationStepResult[] = todo.map((m) => ({
    version: m.version,
    name: m.name,
    direction,
    status: "not_run",
  }));
  for (const [index, migration] of todo.entries()) {
    const step = steps[index]!;
    // How long it took (recorded as execution_ms), not when: the monotonic timer, not the clock.
    const started = performance.now();
    try {
      await session.transaction(async (tx) => {
        await tx.exec(direction === "up" ? migration.up : migration.down);
        const ms = Math.round(performance.now() - started);
        if (direction === "up") await recordApplied(tx, migration, ms);
        else await recordReverted(tx, migration.version);
      });
      step.status = "done";
      step.ms = Math.round(performance.now() - started);
    } catch (cause) {
      step.status = "error";
      step.error = (cause as Error).message;
      const error = new StewardError(
        "migration_failed",
        `Migration ${migration.name} (${direction}) failed and was rolled back: ${(cause as Error).message}`,
        { details: { migration: migration.name, direction }, cause },
      );
      return { steps, error };
    }
  }
  return { steps };
}

async function withMigrationLock<T>(db: Database, fn: (session: Session) => Promise<T>): Promise<T> {
  return db.withSession(async (session) => {
    await session.query("SELECT pg_advisory_lock($1)", [migrationLockKey.toString()]);
    try {
      await session.exec(historyTableSql);
      return await fn(session);
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [migrationLockKey.toString()]);
    }
  });
}
