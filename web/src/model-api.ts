/**
 * The dashboard's view of GET /api/models: the engine's own shapes (src/models/model-status.ts),
 * imported as types only, so nothing of the server reaches the bundle. No DOM types here, so
 * that the server's tsconfig can check it too.
 */

import type { ModelStatus, ModelsStatus } from "../../src/models/model-status.ts";
import { apiCall } from "./http-client.ts";

export type { ModelStatus, ModelsStatus };
export type ModelState = ModelStatus["state"];

export function fetchModels(signal?: AbortSignal): Promise<ModelsStatus> {
  return apiCall<ModelsStatus>("GET", "/api/models", signal);
}
