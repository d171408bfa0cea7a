/**
 * The dashboard's view of GET /api/overview and GET /api/tasks/waiting: the engine's own shapes
 * (src/app/overview.ts, src/tasks/waiting-tasks.ts), imported as types only, so nothing of the
 * server reaches the bundle. No DOM types here, so that the server's tsconfig can check it too.
 */

import type { FailedTask, Overview } from "../../src/app/overview.ts";
import type { WaitingGroup, WaitingTasks, WaitReason } from "../../src/tasks/waiting-tasks.ts";
import { apiCall } from "./http-client.ts";

export type { FailedTask, Overview, WaitingGroup, WaitingTasks, WaitReason };

export function fetchOverview(signal?: AbortSignal): Promise<Overview> {
  return apiCall<Overview>("GET", "/api/overview", signal);
}

export function fetchWaiting(signal?: AbortSignal): Promise<WaitingTasks> {
  return apiCall<WaitingTasks>("GET", "/api/tasks/waiting", signal);
}
