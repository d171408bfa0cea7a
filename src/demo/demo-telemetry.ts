import { alertSettingsSchema } from "../telemetry/alerts.ts";
import type { TelemetryConfig } from "../telemetry/telemetry-config.ts";

/**
 * The demo's telemetry: targets its stages meet at first, and alerts tuned to a demo's few
 * minutes, so that sim-medium's scheduled drift (demo-models.ts, demoDrift) shows as a breach and
 * an alert on trend change within about five minutes of `steward start`. It comes with the demo's
 * pool (open-steward.ts): the targets when the configuration names none, the alert settings when
 * `telemetry.alerts` is left at its defaults. The defaults watch six hours and need twenty minute
 * points before an alert, right for production and far too slow for a demo.
 */

/**
 * Measured on the demo (`steward stats --by stage`, README "The demo"): before the drift every
 * stage's p95 duration is at most 1.7 s (sim-large's long answers) and its success rate over
 * 95 %. After it, sim-medium's calls take 2.5–4.5 s and fail a third of the time; the scheduler
 * moves much of the work to the other models, but Idea Implementation (which needs code, where
 * sim-medium is the best fit for mid complexity) keeps sending it enough to pass a p95 of 2.5 s
 * within a couple of minutes; the other stages may follow. The success floor is met throughout,
 * and shows beside the breach in `steward stats`.
 */
export const demoTargets: TelemetryConfig["targets"] = [
  { stage: "Implement Ideas", window: "5m", p95DurationMs: 2_500, successRate: 0.8 },
  { stage: "Idea Implementation", window: "5m", p95DurationMs: 2_500, successRate: 0.8 },
  { stage: "Self-Improvement", window: "5m", p95DurationMs: 2_500, successRate: 0.8 },
];

/** Evaluated every 15 s, so that a breach shows soon after it happens. */
export const demoTargetsEveryMs = 15_000;

/**
 * A short memory: ten minutes of minute points, an alert possible from the fifth, CUSUM levelled
 * on the first three (the two minutes before the drift and a bit), evaluated every 15 s. Only a
 * change of half the level or more is an alert, and three points back at the old level resolve
 * it: the demo's models move work between them every minute, which at the defaults' 25 % and two
 * points opened and resolved alerts on the models the drift did not touch.
 */
export const demoAlertSettings = alertSettingsSchema.parse({
  lookbackMinutes: 10,
  minPoints: 5,
  minChange: 0.5,
  recoverPoints: 3,
  params: { warmup: 3 },
  evaluateEveryMs: 15_000,
});

const defaultAlertSettings = JSON.stringify(alertSettingsSchema.parse({}));

/** The configuration with the demo's telemetry where the user left it unset. */
export function withDemoTelemetry<C extends { telemetry: TelemetryConfig }>(config: C): C {
  const telemetry = { ...config.telemetry };
  if (telemetry.targets.length === 0) {
    telemetry.targets = demoTargets;
    telemetry.evaluateEveryMs = demoTargetsEveryMs;
  }
  if (JSON.stringify(telemetry.alerts) === defaultAlertSettings) telemetry.alerts = demoAlertSettings;
  return { ...config, telemetry };
}
