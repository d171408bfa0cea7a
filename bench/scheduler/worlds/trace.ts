import { modulatedHawkes } from "../arrivals.ts";
import { capacityPerSecond, loadScenarios } from "../capacity.ts";
import { type SimModel, trueLevel } from "../sim-models.ts";
import type { KindSpec, SimTaskSpec, World } from "../world.ts";
import { traceModels } from "./trace-pool.ts";

/**
 * The trace world: traffic shaped like a real LLM-inference trace, on a pool modelled on public
 * offerings (trace-pool.ts), judged by a steep success curve. Built apart from the classic world
 * and from the scheduler, to differ from both:
 *
 * - arrivals are bursty and self-exciting, as public traces of LLM services show them (BurstGPT,
 *   from Azure OpenAI's GPT services; Azure's LLM inference traces): inter-arrival times far
 *   more variable than Poisson's, bursts of seconds on top of swings of minutes. Synthesised
 *   here (modulatedHawkes): 60 % of arrivals set off by an earlier one, ≈8 s later on average,
 *   over a background whose rate changes every 2 minutes by a lognormal factor (σ 0.6);
 * - token counts are heavy-tailed (lognormal, clamped), as in those traces: most prompts are a
 *   few thousand tokens, a few are tens of thousands (and then cannot fit the local model);
 * - kinds need capabilities, and a model's truth is per capability, not per kind;
 * - success falls steeply below a model's true level (traceAccept).
 */

const kinds: Record<string, KindSpec> = {
  // A user waiting on an answer: short output, urgent, tens of seconds to spare.
  chat: {
    stage: "Chat",
    capabilities: ["writing"],
    complexity: { kind: "triangular", min: 1, mode: 3, max: 7 },
    inputTokens: { kind: "lognormal", median: 1_200, sigma: 1, min: 50, max: 60_000 },
    outputTokens: { kind: "lognormal", median: 250, sigma: 0.8, min: 10, max: 3_000 },
    urgency: [6, 10],
    deadlineS: { kind: "uniform", min: 30, max: 90 },
  },
  // Code in a repository's context: longer prompts, moderate to hard, minutes to spare.
  code: {
    stage: "Code",
    capabilities: ["code"],
    complexity: { kind: "triangular", min: 2, mode: 6, max: 9 },
    inputTokens: { kind: "lognormal", median: 3_000, sigma: 1.1, min: 200, max: 100_000 },
    outputTokens: { kind: "lognormal", median: 450, sigma: 0.8, min: 20, max: 4_000 },
    urgency: [3, 8],
    deadlineS: { kind: "uniform", min: 60, max: 300 },
  },
  // Reading long documents and reasoning over them: hard, rarely urgent, generous deadlines.
  analysis: {
    stage: "Analysis",
    capabilities: ["reasoning", "writing"],
    complexity: { kind: "triangular", min: 3, mode: 6, max: 10 },
    inputTokens: { kind: "lognormal", median: 9_000, sigma: 0.9, min: 1_000, max: 120_000 },
    outputTokens: { kind: "lognormal", median: 700, sigma: 0.6, min: 100, max: 4_000 },
    urgency: [0, 4],
    deadlineS: { kind: "uniform", min: 600, max: 1_800 },
  },
};

const mix = { chat: 0.55, code: 0.3, analysis: 0.15 };

/**
 * The probability that an answer is usable: a logistic in the gap between the model's true level
 * and the task's complexity,
 *
 *   P(usable) = σ(ln 3 × (1 + 2 × gap)):  75 % at gap 0, 25 % one level below, ≈4 % two below,
 *   ≈96 % one above,
 *
 * the true level being the lowest, over the capabilities the task requires, of declared level +
 * hidden offset (trueLevel).
 */
export function traceAccept(model: SimModel, task: SimTaskSpec): number {
  const gap = trueLevel(model, task.capabilities) - task.complexity;
  return 1 / (1 + Math.exp(-Math.log(3) * (1 + 2 * gap)));
}

const capacity = capacityPerSecond(traceModels(), kinds, mix);

/** The trace world, at 60, 90 and 130 % of its pool's capacity. */
export const trace: World = {
  name: "trace",
  description:
    "bursty self-exciting arrivals and heavy-tailed tokens, as in public LLM-inference traces; 5 models on public list prices (one free and local, one rate-limited); a steep success curve; truth per capability",
  writtenBeforeSchedulerChanges: true,
  models: traceModels,
  kinds,
  mix,
  accept: traceAccept,
  scenarios: loadScenarios("trace", capacity, {
    description: "self-exciting bursts over a lognormally modulated background, 20 min",
    horizonMs: 20 * 60_000,
    arrivals: (perSecond) =>
      modulatedHawkes(perSecond, { branching: 0.6, decayMs: 8_000, blockMs: 120_000, sigma: 0.6 }),
  }),
  seeds: 5,
};
