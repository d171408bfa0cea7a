/**
 * The dashboard's view of the task API: the engine's own shapes (src/tasks/task.ts,
 * src/tasks/query-tasks.ts, src/tasks/task-stats.ts, src/http/task-event-stream.ts) as JSON carries
 * them, imported as types only, so nothing of the server reaches the bundle. No DOM types here, so
 * that the server's tsconfig can check it too.
 */

import type { TasksEvent as EngineTasksEvent, TaskSummary } from "../../src/http/task-event-stream.ts";
import type { Jsonified } from "../../src/jsonified.ts";
import type { TaskDetail as EngineTaskDetail, QueueDepth } from "../../src/tasks/query-tasks.ts";
import type { AssignmentView, AttemptOutcome, ModelWaitCause, TaskStatus } from "../../src/tasks/task.ts";
import type { TaskStats as EngineTaskStats } from "../../src/tasks/task-stats.ts";
import { apiCall } from "./http-client.ts";

export { ApiError } from "./http-client.ts";
export type { AssignmentView, AttemptOutcome, ModelWaitCause, QueueDepth, TaskStatus, TaskSummary };

export const taskStatuses: TaskStatus[] = [
  "blocked",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
];

export type TaskDetail = Jsonified<EngineTaskDetail>;
export type Attempt = TaskDetail["attemptHistory"][number];
export type TaskLink = TaskDetail["dependsOn"][number];
export type TaskStats = Jsonified<EngineTaskStats>;
/** The data of each `tasks` event of GET /api/events. */
export type TasksEvent = Jsonified<EngineTasksEvent>;

export interface TaskFilter {
  status: TaskStatus | "";
  search: string;
}

export async function fetchTasks(
  filter: TaskFilter,
  signal?: AbortSignal,
  limit = 50,
): Promise<TaskSummary[]> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (filter.status) query.set("status", filter.status);
  if (filter.search.trim()) query.set("search", filter.search.trim());
  return (await apiCall<{ tasks: TaskSummary[] }>("GET", `/api/tasks?${query}`, signal)).tasks;
}

export async function fetchTask(id: number, signal?: AbortSignal): Promise<TaskDetail> {
  return (await apiCall<{ task: TaskDetail }>("GET", `/api/tasks/${id}`, signal)).task;
}

export async function cancelTask(id: number): Promise<void> {
  await apiCall("POST", `/api/tasks/${id}/cancel`);
}

export async function retryTask(id: number): Promise<void> {
  await apiCall("POST", `/api/tasks/${id}/retry`);
}

export async function resumeKind(kind: string): Promise<void> {
  await apiCall("POST", `/api/kinds/${encodeURIComponent(kind)}/resume`);
}

export async function pauseKind(kind: string): Promise<void> {
  await apiCall("POST", `/api/kinds/${encodeURIComponent(kind)}/pause`);
}
