import {
  alertsQuerySchema,
  breachesQuerySchema,
  indicatorsQuerySchema,
  statsQuerySchema,
} from "../operation-schemas.ts";
import type { ApiOperation } from "./api-operation.ts";

/** The operations on telemetry: stats, target breaches, indicators, alerts. */
export const telemetryOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/stats",
    summary:
      "Measures of finished attempts over a window (since: 5m, 1h, 1d, 30d or an ISO time), by stage, kind, model or idea: throughput, success, failure and retry rates, duration and queue wait percentiles, tokens, cost",
    tag: "telemetry",
    query: statsQuerySchema,
    responses: {
      200: "`{ window: { from, to, grain }, by, rows: [...], targets: [...] }`: each target of the stages and kinds asked about (telemetry.targets), measure by measure over the same window, `met`, `breached` or `no_data`",
      400: "An unknown stage, kind or model, or a bad window",
    },
  },
  {
    method: "get",
    path: "/api/targets/breaches",
    summary:
      "Breaches of the targets recorded by the workers, newest first (open=true: still open; since: 1d or an ISO time, breaches that lasted into it): the measure, observed and target values, the window, attempts, a sentence, opened, last seen and resolved times (`steward targets`)",
    tag: "telemetry",
    query: breachesQuerySchema,
    responses: {
      200: "`{ breaches: [...] }`",
      400: "A bad open, since or limit",
    },
  },
  {
    method: "get",
    path: "/api/indicators",
    summary:
      "The leading indicators (duration, error rate, retry ratio, queue wait, cost per success, output length, trust inflation) as series over a window, per scope",
    tag: "telemetry",
    query: indicatorsQuerySchema,
    responses: {
      200: "`{ window, series: [{ indicator, scope, points: [{ at, value }] }] }`",
      400: "A bad window or indicator",
    },
  },
  {
    method: "get",
    path: "/api/alerts",
    summary: "Alerts on trend change, newest first (open=true: only open ones), with their delivery state",
    tag: "telemetry",
    query: alertsQuerySchema,
    responses: { 200: "`{ alerts: [...] }`" },
  },
];
