import type { Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { getTask, type TaskDetail } from "./query-tasks.ts";

/** One task with its attempts and links, or `not_found` in the same words for every shell. */
export async function requireTask(db: Queryable, id: number): Promise<TaskDetail> {
  const task = await getTask(db, id);
  if (task === null) throw noSuchTask(id);
  return task;
}

export function noSuchTask(id: number): StewardError {
  return new StewardError("not_found", `There is no task ${id}.`, { details: { taskId: id } });
}
