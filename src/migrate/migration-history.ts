import type { Queryable } from "../db/database.ts";

/** One row of `steward_migrations`: a migration that was applied, when, and what its file held. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
  executionMs: number;
}

/**
 * The history table is created by the migrator itself, not by a migration, so that it exists
 * before the first one runs. It is created under the migration lock (see migrator.ts): two
 * concurrent CREATE TABLE IF NOT EXISTS can otherwise collide on PostgreSQL's catalog.
 */
export const historyTableSql = `
CREATE TABLE IF NOT EXISTS steward_migrations (
  version      integer PRIMARY KEY,
  name         text NOT NULL,
  checksum     text NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  execution_ms integer NOT NULL
)`;

export async function historyTableExists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    "SELECT to_regclass('steward_migrations') IS NOT NULL AS present",
  );
  return rows[0]?.present === true;
}

export async function readHistory(db: Queryable): Promise<AppliedMigration[]> {
  if (!(await historyTableExists(db))) return [];
  const { rows } = await db.query<{
    version: number;
    name: string;
    checksum: string;
    applied_at: Date;
    execution_ms: number;
  }>("SELECT version, name, checksum, applied_at, execution_ms FROM steward_migrations ORDER BY version");
  return rows.map((row) => ({
    version: row.version,
    name: row.name,
    checksum: row.checksum,
    appliedAt: row.applied_at,
    executionMs: row.execution_ms,
  }));
}

export async function recordApplied(
  tx: Queryable,
  migration: { version: number; name: string; checksum: string },
  executionMs: number,
): Promise<void> {
  await tx.query(
    "INSERT INTO steward_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)",
    [migration.version, migration.name, migration.checksum, executionMs],
  );
}

export async function recordReverted(tx: Queryable, version: number): Promise<void> {
  await tx.query("DELETE FROM steward_migrations WHERE version = $1", [version]);
}

export async function updateChecksum(
  tx: Queryable,
  version: number,
  name: string,
  checksum: string,
): Promise<void> {
  await tx.query("UPDATE steward_migrations SET checksum = $2, name = $3 WHERE version = $1", [
    version,
    checksum,
    name,
  ]);
}
