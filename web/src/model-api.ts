/**
 * The dashboard's view of GET /api/models: the engine's own shapes (src/models/model-status.ts),
 * imported as types only, so nothing of the server reaches the bundle. No DOM types here, so
 * that the server's tsconfig can check it too.
 */

import type { ModelStatus, ModelsStatus } from "../../src/models/model-status.ts";

export type { ModelStatus, ModelsStatus };
export type ModelState = ModelStatus["state"];

export async function fetchModels(signal?: AbortSignal): Promise<ModelsStatus> {
  const response = await fetch("/api/models", { signal, headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`GET /api/models answered ${response.status} ${response.statusText}`);
  return (await response.json()) as ModelsStatus;
}
