import type { Queryable } from "../db/database.ts";
import { notifyTasksReady } from "./task-notifications.ts";

export interface KindPause {
  kind: string;
  pausedAt: Date;
  reason: string | null;
}

/** Stops claiming tasks of these kinds, on every worker; tasks already running finish. */
export async function pauseKinds(
  db: Queryable,
  kinds: string[],
  reason: string | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO task_kind_pauses (kind, reason) SELECT unnest($1::text[]), $2
     ON CONFLICT (kind) DO UPDATE SET reason = EXCLUDED.reason`,
    [kinds, reason],
  );
}

export async function resumeKinds(db: Queryable, kinds: string[]): Promise<void> {
  const { rowCount } = await db.query("DELETE FROM task_kind_pauses WHERE kind = ANY($1::text[])", [kinds]);
  if (rowCount > 0) await notifyTasksReady(db);
}

export async function listPausedKinds(db: Queryable): Promise<KindPause[]> {
  const { rows } = await db.query<{ kind: string; paused_at: Date; reason: string | null }>(
    "SELECT kind, paused_at, reason FROM task_kind_pauses ORDER BY kind",
  );
  return rows.map((r) => ({ kind: r.kind, pausedAt: r.paused_at, reason: r.reason }));
}
