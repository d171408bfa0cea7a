import { diurnal } from "../arrivals.ts";
import { capacityPerSecond, loadScenarios } from "../capacity.ts";
import { buildPool, type PoolEntry, type SimModel, trueLevel } from "../sim-models.ts";
import type { KindSpec, SimTaskSpec, World } from "../world.ts";

/**
 * The flat-overclaimed world: a gentle success curve, so that a weaker model is never hopeless
 * and a stronger one never sure; a pool whose strong models over-declare their levels (by 2)
 * and whose cheap one under-declares (by 2), so that the declared levels every rule reads point
 * the wrong way; two capabilities and a kind that needs none; a working day's ramp of traffic;
 * deadlines tighter than the classic world's. Built apart from the classic world and from the
 * scheduler, to differ from both.
 */

const kinds: Record<string, KindSpec> = {
  // A fix to a repository: moderate, a few minutes to spare.
  patch: {
    stage: "Patches",
    capabilities: ["code"],
    complexity: { kind: "triangular", min: 2, mode: 5, max: 8 },
    inputTokens: { kind: "uniform", min: 2_000, max: 6_000 },
    outputTokens: { kind: "uniform", min: 400, max: 1_200 },
    urgency: [2, 7],
    deadlineS: { kind: "uniform", min: 60, max: 240 },
  },
  // Release notes, help pages: short, urgent.
  docs: {
    stage: "Docs",
    capabilities: ["writing"],
    complexity: { kind: "triangular", min: 1, mode: 4, max: 7 },
    inputTokens: { kind: "uniform", min: 1_000, max: 3_000 },
    outputTokens: { kind: "uniform", min: 500, max: 1_500 },
    urgency: [4, 9],
    deadlineS: { kind: "uniform", min: 40, max: 120 },
  },
  // Sorting incoming requests: needs no particular capability, tiny, due within seconds.
  triage: {
    stage: "Triage",
    capabilities: [],
    complexity: { kind: "triangular", min: 0, mode: 2, max: 5 },
    inputTokens: { kind: "uniform", min: 300, max: 1_500 },
    outputTokens: { kind: "uniform", min: 50, max: 250 },
    urgency: [6, 10],
    deadlineS: { kind: "uniform", min: 15, max: 45 },
  },
};

const mix = { patch: 0.4, docs: 0.35, triage: 0.25 };

const underDeclared = { code: 2, writing: 2 };
const overDeclared = { code: -2, writing: -2 };

const pool: PoolEntry[] = [
  {
    id: "flat-tiny",
    capabilities: { code: 3, writing: 4 },
    maxComplexity: 8,
    contextWindow: 32_000,
    price: [0.05, 0.2],
    concurrency: 3,
    requestsPerMinute: 300,
    fallback: ["flat-mid"],
    sim: {
      baseLatencyMs: 200,
      perOutputTokenMs: 5,
      failureRate: 0.02,
      rateLimitBurstRate: 0.005,
      rateLimitBurstMs: 5_000,
      retryAfterSeconds: 3,
    },
    skillOffset: underDeclared,
  },
  {
    id: "flat-mid",
    capabilities: { code: 6, writing: 6 },
    maxComplexity: 9,
    contextWindow: 128_000,
    price: [0.6, 2.4],
    concurrency: 4,
    requestsPerMinute: 120,
    fallback: ["flat-big", "flat-tiny"],
    sim: {
      baseLatencyMs: 500,
      perOutputTokenMs: 10,
      failureRate: 0.02,
      rateLimitBurstRate: 0.01,
      rateLimitBurstMs: 10_000,
      retryAfterSeconds: 8,
    },
    skillOffset: { code: 0, writing: 0 },
  },
  {
    id: "flat-big",
    capabilities: { code: 9, writing: 8 },
    maxComplexity: 10,
    contextWindow: 200_000,
    price: [4, 16],
    concurrency: 3,
    requestsPerMinute: 60,
    fallback: ["flat-huge", "flat-mid"],
    sim: {
      baseLatencyMs: 1_000,
      perOutputTokenMs: 16,
      failureRate: 0.015,
      rateLimitBurstRate: 0.01,
      rateLimitBurstMs: 15_000,
      retryAfterSeconds: 10,
    },
    skillOffset: overDeclared,
  },
  {
    id: "flat-huge",
    capabilities: { code: 10, writing: 10 },
    maxComplexity: 10,
    contextWindow: 200_000,
    price: [12, 48],
    concurrency: 2,
    requestsPerMinute: 30,
    fallback: ["flat-big"],
    sim: {
      baseLatencyMs: 1_800,
      perOutputTokenMs: 24,
      failureRate: 0.01,
      rateLimitBurstRate: 0.005,
      rateLimitBurstMs: 20_000,
      retryAfterSeconds: 15,
    },
    skillOffset: overDeclared,
  },
];

/**
 * The probability that an answer is usable, gentle in the gap between the model's true level
 * (trueLevel) and the task's complexity:
 *
 *   P(usable) = 0.95 × σ(0.9 + 0.45 × gap):  ≈68 % at gap 0, ≈82 % two above, ≈47 % two below,
 *   ≈27 % four below.
 */
export function flatAccept(model: SimModel, task: SimTaskSpec): number {
  const gap = trueLevel(model, task.capabilities) - task.complexity;
  return 0.95 / (1 + Math.exp(-(0.9 + 0.45 * gap)));
}

const models = () => buildPool(pool);
const capacity = capacityPerSecond(models(), kinds, mix);

/** The flat-overclaimed world, at 60, 90 and 130 % of its pool's capacity. */
export const flatOverclaimed: World = {
  name: "flat-overclaimed",
  description:
    "a gentle success curve; strong models over-declare their levels by 2, the cheap one under-declares by 2; code, writing and a kind needing neither; a day's ramp of traffic; tight deadlines",
  writtenBeforeSchedulerChanges: true,
  models,
  kinds,
  mix,
  accept: flatAccept,
  scenarios: loadScenarios("flat-overclaimed", capacity, {
    description: "a working day in 20 min: Poisson at (1 − 0.8 cos 2πt/T) × the mean rate, 0.2× to 1.8×",
    horizonMs: 20 * 60_000,
    arrivals: (perSecond) => diurnal(perSecond, 0.8),
  }),
  seeds: 5,
};
