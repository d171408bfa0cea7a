/**
 * The dashboard's view of GET /api/status: the engine's own shape (src/app/system-status.ts) as
 * JSON carries it, imported as a type only, so nothing of the server reaches the bundle. No DOM
 * types here, so that the server's tsconfig can check it too.
 */

import type { SystemStatus as EngineSystemStatus } from "../../src/app/system-status.ts";
import type { Jsonified } from "../../src/jsonified.ts";
import { apiCall } from "./http-client.ts";

export type SystemStatus = Jsonified<EngineSystemStatus>;
export type SchemaState = SystemStatus["schema"]["status"];
export type SchemaDifference = SystemStatus["schema"]["differences"][number];

export function fetchStatus(signal?: AbortSignal): Promise<SystemStatus> {
  return apiCall<SystemStatus>("GET", "/api/status", signal);
}
