import type { Queryable } from "../db/database.ts";

/**
 * Channels Steward's workers listen on. NOTIFY is delivered at commit, to every listener on
 * PostgreSQL and within the process on PGlite (its one instance is shared in-process).
 */
export const tasksReadyChannel = "steward_tasks_ready";
export const tasksCancelledChannel = "steward_tasks_cancelled";

export async function notifyTasksReady(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_notify($1, '')", [tasksReadyChannel]);
}

/** Tells workers which running tasks were cancelled, so that they abort them at once. */
export async function notifyTasksCancelled(tx: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query("SELECT pg_notify($1, $2)", [tasksCancelledChannel, ids.join(",")]);
}
