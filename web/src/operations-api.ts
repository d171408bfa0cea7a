/**
 * The dashboard's view of the telemetry API: GET /api/stats (measures beside their targets),
 * GET /api/indicators (the leading indicators' series) and GET /api/alerts. The engine's own
 * shapes (src/telemetry/), imported as types only, so nothing of the server reaches the bundle.
 * No DOM types here, so that the server's tsconfig can check it too.
 */

import type { Alert } from "../../src/telemetry/alerts.ts";
import type { IndicatorName, IndicatorSeries, Scope } from "../../src/telemetry/indicator-series.ts";
import type { TargetCheck } from "../../src/telemetry/targets.ts";
import type { Measures, MeasuresAnswer } from "../../src/telemetry/task-measures.ts";
import { apiCall } from "./http-client.ts";

export type { Alert, IndicatorName, IndicatorSeries, Measures, Scope };

/** A target check as JSON: its times are strings on the wire. */
export type TargetCheckJson = Omit<TargetCheck, "from" | "to"> & { from: string; to: string };
export type StatsAnswer = MeasuresAnswer & { targets?: TargetCheckJson[] };
export interface IndicatorsAnswer {
  window: { from: string; to: string; grain: string };
  series: IndicatorSeries[];
}

/** How far back the Operations page looks: the alerts' default lookback (telemetry.alerts.lookbackMinutes). */
export const operationsWindow = "6h";

export function fetchIndicators(signal?: AbortSignal): Promise<IndicatorsAnswer> {
  return apiCall<IndicatorsAnswer>("GET", `/api/indicators?since=${operationsWindow}`, signal);
}

/** The measures by stage over the last hour, with each stage's targets. */
export function fetchStageStats(signal?: AbortSignal): Promise<StatsAnswer> {
  return apiCall<StatsAnswer>("GET", "/api/stats?since=1h&by=stage", signal);
}

/** The successes of one whole minute (or the minute so far): one point of the throughput chart. */
export function fetchMinuteStats(from: Date, to: Date, signal?: AbortSignal): Promise<StatsAnswer> {
  const query = `since=${encodeURIComponent(from.toISOString())}&until=${encodeURIComponent(to.toISOString())}`;
  return apiCall<StatsAnswer>("GET", `/api/stats?${query}`, signal);
}

/** Open alerts and the most recent resolved ones, newest first. */
export function fetchAlerts(signal?: AbortSignal): Promise<{ alerts: Alert[] }> {
  return apiCall<{ alerts: Alert[] }>("GET", "/api/alerts?limit=20", signal);
}
