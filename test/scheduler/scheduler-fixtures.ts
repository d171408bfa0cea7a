import type { ModelState, SchedulerInput, SchedulerTask } from "../../src/scheduler/scheduler-types.ts";

/** Named scenario pieces for the scheduler's tests: a plain task and three tiers of model. */

export const now = Date.UTC(2025, 0, 6, 9, 0, 0);

export function task(over: Partial<SchedulerTask> = {}): SchedulerTask {
  return {
    id: 1,
    kind: "implement_idea",
    stage: "Implement Ideas",
    urgency: 5,
    complexity: 5,
    capabilities: ["code"],
    deadline: now + 300_000,
    readyAt: now,
    attempt: 1,
    estimatedInputTokens: 4_000,
    estimatedOutputTokens: 1_000,
    pinnedModel: null,
    idea: null,
    previousModel: null,
    ...over,
  };
}

export function model(over: Partial<ModelState> & { id: string }): ModelState {
  return {
    provider: "sim",
    enabled: true,
    capabilities: { code: 6, writing: 6, reasoning: 6 },
    maxComplexity: 10,
    contextWindow: 128_000,
    inputPerMTok: 1,
    outputPerMTok: 4,
    concurrency: 4,
    inFlight: 0,
    requestsPerMinute: null,
    requestsLastMinute: 0,
    tokensPerMinute: null,
    tokensLastMinute: 0,
    cooldownUntil: null,
    budgetExhausted: null,
    fallback: [],
    baseLatencyMs: 500,
    perOutputTokenMs: 10,
    stats: {},
    ...over,
  };
}

/** Fast, cheap and weak; middling; slow, expensive and strong. */
export function tiers(): { fast: ModelState; mid: ModelState; strong: ModelState } {
  return {
    fast: model({
      id: "sim-fast",
      capabilities: { code: 3, writing: 5, reasoning: 2 },
      maxComplexity: 6,
      contextWindow: 16_000,
      inputPerMTok: 0.1,
      outputPerMTok: 0.4,
      concurrency: 8,
      baseLatencyMs: 250,
      perOutputTokenMs: 4,
      fallback: ["sim-mid"],
    }),
    mid: model({
      id: "sim-mid",
      capabilities: { code: 6, writing: 7, reasoning: 6 },
      inputPerMTok: 1,
      outputPerMTok: 4,
      fallback: ["sim-strong", "sim-fast"],
    }),
    strong: model({
      id: "sim-strong",
      capabilities: { code: 9, writing: 8, reasoning: 9 },
      inputPerMTok: 6,
      outputPerMTok: 24,
      concurrency: 3,
      baseLatencyMs: 1_500,
      perOutputTokenMs: 20,
      fallback: ["sim-mid"],
    }),
  };
}

export function input(
  tasks: SchedulerTask[],
  models: ModelState[],
  over: Partial<SchedulerInput> = {},
): SchedulerInput {
  return { tasks, models, now, exhaustedIdeas: {}, ...over };
}
