/**
 * The dashboard's view of Steward's HTTP API. These types mirror the server's
 * (src/app/system-status.ts); test/http/health-routes.test.ts fails to compile if the server's
 * status no longer fits them. No DOM types here, so that the server's tsconfig can check it too.
 */

import { apiCall } from "./http-client.ts";

export type SchemaState = "clean" | "drift" | "pending" | "unknown";

export interface SchemaDifference {
  kind: string;
  table: string;
  object?: string;
  repair?: string;
  explanation?: string;
}

export interface SystemStatus {
  version: string;
  database: {
    kind: "pglite" | "postgres";
    description: string;
    reachable: boolean;
    error?: string;
  };
  schema: {
    status: SchemaState;
    applied: number;
    pending: number;
    latest: string | null;
    changed: string[];
    differences: SchemaDifference[];
  };
  ready: boolean;
  checkedAt: string;
}

export function fetchStatus(signal?: AbortSignal): Promise<SystemStatus> {
  return apiCall<SystemStatus>("GET", "/api/status", signal);
}
