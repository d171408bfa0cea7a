import { batches, both, onOff, poisson } from "../arrivals.ts";
import { normalCdf } from "../distributions.ts";
import type { SimModel } from "../sim-models.ts";
import type { KindSpec, Scenario, SimTaskSpec, World } from "../world.ts";
import { classicModels } from "./classic-pool.ts";

/**
 * The classic world, the one Steward's weighted scheduler was first built and tuned beside:
 * three kinds of task, five models (classic-pool.ts) whose hidden offsets are per kind, a probit
 * quality model, and six workloads. It is kept exactly as it was, so that its numbers stay
 * comparable from one version of the scheduler to the next (docs/scheduling.md).
 */

const minutes = (n: number) => n * 60_000;

// Stage names as the task engine's demo kinds spell them (src/demo/demo-kinds.ts).
const kinds: Record<string, KindSpec> = {
  // Code for an idea: mid-sized, mostly moderate, some hard; minutes to spare.
  implement_idea: {
    stage: "Implement Ideas",
    capabilities: ["code"],
    complexity: { kind: "triangular", min: 2, mode: 6, max: 9 },
    inputTokens: { kind: "uniform", min: 3_000, max: 9_000 },
    outputTokens: { kind: "uniform", min: 800, max: 1_600 },
    urgency: [3, 8],
    deadlineS: { kind: "uniform", min: 120, max: 360 },
  },
  // Writing up an idea (pages, copy): short, mostly easy, urgent, tight deadlines.
  idea_implementation: {
    stage: "Idea Implementation",
    capabilities: ["writing"],
    complexity: { kind: "triangular", min: 1, mode: 3, max: 7 },
    inputTokens: { kind: "uniform", min: 1_500, max: 4_500 },
    outputTokens: { kind: "uniform", min: 400, max: 1_000 },
    urgency: [5, 10],
    deadlineS: { kind: "uniform", min: 45, max: 150 },
  },
  // Steward improving its own code: long context, hard, rarely urgent, generous deadlines.
  self_improvement: {
    stage: "Self-Improvement",
    capabilities: ["code", "reasoning"],
    complexity: { kind: "triangular", min: 4, mode: 7, max: 10 },
    inputTokens: { kind: "uniform", min: 8_000, max: 16_000 },
    outputTokens: { kind: "uniform", min: 1_000, max: 2_000 },
    urgency: [0, 4],
    deadlineS: { kind: "uniform", min: 900, max: 2_400 },
  },
};

const usualMix = { implement_idea: 0.45, idea_implementation: 0.4, self_improvement: 0.15 };

const workloads: Scenario[] = [
  {
    name: "steady",
    description: "Poisson arrivals, 0.4 tasks/s for 30 min, the usual mix",
    horizonMs: minutes(30),
    arrivals: poisson(0.4),
  },
  {
    name: "bursty",
    description: "on/off: bursts of 1.5 tasks/s (≈1 min) between lulls of 0.1/s (≈3 min), 30 min",
    horizonMs: minutes(30),
    arrivals: onOff(1.5, 0.1, 60_000, 180_000),
  },
  {
    name: "batch",
    description: "a batch of 80 tasks every 5 min over 0.1 tasks/s, 30 min",
    horizonMs: minutes(30),
    arrivals: batches(80, minutes(5), 0.1),
  },
  {
    name: "tight-deadlines",
    description: "as steady, every deadline window × 0.4",
    horizonMs: minutes(30),
    arrivals: poisson(0.4),
    deadlineFactor: 0.4,
  },
  {
    name: "mostly-complex",
    description: "0.15 tasks/s, half implement_idea and 40% self_improvement, complexity +2",
    horizonMs: minutes(30),
    arrivals: poisson(0.15),
    mix: { implement_idea: 0.5, idea_implementation: 0.1, self_improvement: 0.4 },
    complexityShift: 2,
  },
  {
    name: "overload",
    // The pool completes at most 1.6–1.8 tasks/s of this mix whatever the strategy (measured by
    // offering 4 tasks/s for 10 min): 2.5/s is ≈1.4 times what it can serve.
    description: "2.5 tasks/s for 10 min (≈1.4× what the pool can serve), then 0.1/s for 20 min",
    horizonMs: minutes(30),
    arrivals: both(poisson(2.5, 0, minutes(10)), poisson(0.1, minutes(10))),
  },
];

/**
 * The classic quality model: the probability that a model's answer to a task is usable,
 *
 *   P(usable) = 0.96 × Φ((L − complexity + 1) ÷ 1.6)
 *
 * where Φ is the standard normal distribution function and L the model's true level for the task:
 * the lowest of its declared levels in the capabilities the task requires, plus the model's hidden
 * skill offset for the task's kind (classic-pool.ts). At L = complexity a model succeeds 70 % of
 * the time, three levels above 95 %, three below 10 %; nothing is ever certain (the 0.96: specs
 * are ambiguous, checks are strict).
 */
export function classicAccept(model: SimModel, task: SimTaskSpec): number {
  const declared = Math.min(...task.capabilities.map((skill) => model.config.capabilities[skill] ?? 0));
  const level = declared + (model.truth.skillOffset[task.kind] ?? 0);
  return 0.96 * normalCdf((level - task.complexity + 1) / 1.6);
}

/** The classic world. */
export const classic: World = {
  name: "classic",
  description:
    "the world the weighted scheduler was built beside: 3 kinds, 5 models with hidden offsets per kind, 6 workloads",
  // Written together with the scheduler it judged, and tuned beside: the reason the others exist.
  writtenBeforeSchedulerChanges: false,
  models: classicModels,
  kinds,
  mix: usualMix,
  accept: classicAccept,
  scenarios: workloads,
  seeds: 5,
};
