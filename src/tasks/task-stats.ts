import type { Queryable } from "../db/database.ts";
import { type KindPause, listPausedKinds } from "./pause-kinds.ts";
import { type QueueDepth, queueDepth } from "./query-tasks.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";

export interface TaskStats {
  /** Live work only (blocked, queued, running), by kind and status. */
  depth: QueueDepth[];
  paused: KindPause[];
  /** The kinds this process knows, by name. */
  kinds: { name: string; description: string }[];
}

/**
 * The queue at a glance, for the dashboard and `GET /api/tasks/stats`. Depth counts live work
 * only: counting finished tasks would scan the whole table (there is no index on kind and status,
 * see migrations/0003_task_engine.up.sql), and the dashboard asks for this every second.
 */
export async function getTaskStats(deps: { db: Queryable; kinds: TaskKindRegistry }): Promise<TaskStats> {
  const [depth, paused] = await Promise.all([queueDepth(deps.db, { live: true }), listPausedKinds(deps.db)]);
  return {
    depth,
    paused,
    kinds: deps.kinds.all().map(({ name, description }) => ({ name, description })),
  };
}
