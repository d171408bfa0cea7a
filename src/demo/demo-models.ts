import type { ModelSettings } from "../models/model-registry.ts";

/**
 * When and how much the demo's drifting model (sim-medium) worsens: a step two minutes after its
 * first call, so its onset is plain on the charts, for ten minutes; then it recovers, and the
 * alerts it raised resolve by themselves.
 */
export const demoDrift = {
  afterMs: 120_000,
  rampMs: 0,
  latencyFactor: 6,
  failureRate: 0.35,
  untilMs: 720_000,
};

/**
 * The demo's pool of simulated models (provider type `sim`: a declared simulator; nothing is
 * sent anywhere). From fast, cheap and weak to slow, expensive and strong, one of them flaky,
 * with concurrency and rate limits and a daily budget, so that a newcomer sees assignment,
 * limits, cooldowns and costs at work; and one of them (sim-medium) drifts after two minutes, so
 * that the telemetry has something to see. Used when the configuration names no models and the
 * demo is on (by default on the embedded database); configure `models` to use real providers.
 */
export const demoModelSettings: ModelSettings = {
  providers: [{ id: "sim", type: "sim", timeoutMs: 60_000 }],
  prices: [
    {
      version: "demo-2026-11",
      effectiveFrom: "2026-01-01",
      prices: {
        "sim/small": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
        "sim/medium": { inputPerMTok: 1, outputPerMTok: 4 },
        "sim/large": { inputPerMTok: 5, outputPerMTok: 15 },
        "sim/bargain": { inputPerMTok: 0.1, outputPerMTok: 0.3 },
      },
    },
  ],
  budgets: [],
  models: [
    {
      id: "sim-small",
      provider: "sim",
      model: "small",
      capabilities: { planning: 3, code: 3, reasoning: 2, writing: 5 },
      maxComplexity: 5,
      contextWindow: 32_000,
      concurrency: 6,
      requestsPerMinute: 600,
      fallback: ["sim-bargain"],
      enabled: true,
      tags: ["simulated", "fast"],
      sim: sim({ baseLatencyMs: 60, perOutputTokenMs: 0.4, outputTokens: 300, failureRate: 0.02, seed: 11 }),
    },
    {
      id: "sim-medium",
      provider: "sim",
      model: "medium",
      capabilities: { planning: 6, code: 6, reasoning: 6, writing: 6 },
      maxComplexity: 8,
      contextWindow: 128_000,
      concurrency: 4,
      requestsPerMinute: 240,
      fallback: ["sim-small"],
      enabled: true,
      tags: ["simulated", "balanced"],
      // The demo's scheduled degradation (README, "The demo"): two minutes after its first call,
      // sim-medium answers six times slower and fails one call in three, so that the stages it
      // serves miss their targets and the alerts on trend change fire (demo-telemetry.ts).
      sim: sim({
        baseLatencyMs: 150,
        perOutputTokenMs: 0.9,
        outputTokens: 500,
        failureRate: 0.03,
        seed: 12,
        drift: demoDrift,
      }),
    },
    {
      id: "sim-large",
      provider: "sim",
      model: "large",
      capabilities: { planning: 9, code: 9, reasoning: 9, writing: 8 },
      maxComplexity: 10,
      contextWindow: 200_000,
      concurrency: 2,
      requestsPerMinute: 60,
      dailyBudgetUsd: 20,
      fallback: ["sim-medium"],
      enabled: true,
      tags: ["simulated", "strong"],
      sim: sim({ baseLatencyMs: 300, perOutputTokenMs: 1.6, outputTokens: 700, failureRate: 0.02, seed: 13 }),
    },
    {
      id: "sim-bargain",
      provider: "sim",
      model: "bargain",
      capabilities: { planning: 4, code: 4, reasoning: 3, writing: 4 },
      maxComplexity: 6,
      contextWindow: 16_000,
      concurrency: 4,
      requestsPerMinute: 300,
      fallback: ["sim-small"],
      enabled: true,
      tags: ["simulated", "flaky"],
      sim: sim({
        baseLatencyMs: 80,
        perOutputTokenMs: 0.5,
        outputTokens: 300,
        failureRate: 0.1,
        rateLimitBurstRate: 0.03,
        rateLimitBurstMs: 4_000,
        retryAfterSeconds: 2,
        seed: 14,
      }),
    },
  ],
};

function sim(profile: Partial<NonNullable<ModelSettings["models"][number]["sim"]>>) {
  return {
    baseLatencyMs: 200,
    perOutputTokenMs: 2,
    jitter: 0.2,
    outputTokens: 400,
    failureRate: 0,
    rateLimitBurstRate: 0,
    rateLimitBurstMs: 5_000,
    retryAfterSeconds: 2,
    seed: 1,
    ...profile,
  };
}

/**
 * Whether the demo is on: `auto` means on for the embedded database (the newcomer's front door)
 * and off on PostgreSQL, where simulated work would land in a shared database. The one home of
 * this rule: it decides both the demo workload and whether the demo's models are known.
 */
export function demoIsOn(enabled: boolean | "auto", databaseKind: "pglite" | "postgres"): boolean {
  return enabled === "auto" ? databaseKind === "pglite" : enabled;
}
