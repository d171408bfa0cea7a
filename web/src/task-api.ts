/**
 * The dashboard's view of the task API. Task and attempt shapes are the engine's own
 * (src/tasks/task.ts); the rest mirrors src/tasks/query-tasks.ts and src/http/task-event-stream.ts,
 * and test/http/task-routes.test.ts fails to compile if what the server sends no longer fits. No DOM types here, so that the
 * server's tsconfig can check it too.
 */

import type {
  AssignmentView,
  AttemptOutcome,
  AttemptView,
  ModelWaitCause,
  TaskStatus,
  TaskView,
} from "../../src/tasks/task.ts";
import { apiCall } from "./http-client.ts";

export { ApiError } from "./http-client.ts";
// The engine's own task shapes (type-only: nothing of the server reaches the bundle).
export type { AssignmentView, AttemptOutcome, ModelWaitCause, TaskStatus };

export const taskStatuses: TaskStatus[] = [
  "blocked",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
];

/** A task as lists and live events carry it: without its payload and result. */
export type TaskSummary = Omit<TaskView, "payload" | "result">;

export type Attempt = Omit<AttemptView, "taskId">;

export interface TaskLink {
  id: number;
  status: TaskStatus;
}

export interface TaskDetail extends TaskSummary {
  payload: unknown;
  result: unknown;
  /** Why the scheduler chose its model, for kinds that run on a model; null for the others. */
  assignment: AssignmentView | null;
  attemptHistory: Attempt[];
  dependsOn: TaskLink[];
  dependents: TaskLink[];
}

export interface QueueDepth {
  kind: string;
  status: TaskStatus;
  count: number;
}

export interface TaskStats {
  depth: QueueDepth[];
  /** `pausedAt` is a Date on the server and an ISO string once sent. */
  paused: { kind: string; pausedAt: Date | string; reason: string | null }[];
  kinds: { name: string; description: string }[];
}

/** The data of each `tasks` event of GET /api/events. */
export interface TasksEvent {
  stats: TaskStats;
  tasks: TaskSummary[];
}

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
