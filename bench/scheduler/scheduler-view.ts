import type { ModelState, SchedulerTask } from "../../src/scheduler/scheduler-types.ts";
import type { SimModel } from "./sim-models.ts";
import type { SimTaskSpec } from "./world.ts";

/**
 * What the simulator shows a strategy: its tasks and models in the scheduler's own types
 * (src/scheduler/scheduler-types.ts), built as production builds them from the database
 * (src/models/model-assignment.ts), from the simulated world's state.
 */

/** As the task engine's default, tasks.defaultMaxAttempts (src/config/config-schema.ts). */
export const maxAttempts = 3;
/** Simulated epoch of the start of a run (timestamps look like real ones; nothing depends on it). */
export const epoch = Date.UTC(2025, 0, 6, 9, 0, 0);
/**
 * What the scheduler is told of a model's latency before it learns: production's prior for a
 * model whose configuration declares none (src/models/model-assignment.ts). The pools stand in
 * for real models, whose speed the configuration does not state.
 */
export const latencyPrior = { baseLatencyMs: 1_000, perOutputTokenMs: 20 } as const;

/** A task's attempt as the engine would hand it to the scheduler. */
export function schedulerTask(
  spec: SimTaskSpec,
  attempt: { number: number; readyAt: number; previousModel: string | null },
): SchedulerTask {
  return {
    id: spec.id,
    kind: spec.kind,
    stage: spec.stage,
    urgency: spec.urgency,
    complexity: spec.complexity,
    capabilities: spec.capabilities,
    deadline: epoch + spec.deadlineMs,
    readyAt: attempt.readyAt,
    attempt: attempt.number,
    estimatedInputTokens: spec.estimatedInputTokens,
    estimatedOutputTokens: spec.estimatedOutputTokens,
    pinnedModel: null,
    idea: null,
    previousModel: attempt.previousModel,
    maxAttempts,
  };
}

/** What the simulator knows of a model at an instant. */
export interface ModelLoad {
  sim: SimModel;
  inFlight: number;
  /** Starts of the last minute, oldest first, with their estimated tokens. */
  starts: { at: number; tokens: number }[];
  cooldownUntil: number;
}

/** A model as it stands: its configuration, its load, and `waiting`, the queue's tasks held for it. */
export function modelState(load: ModelLoad, now: number, waiting: number): ModelState {
  const { config } = load.sim;
  return {
    id: config.id,
    provider: config.provider,
    enabled: config.enabled,
    capabilities: config.capabilities,
    maxComplexity: config.maxComplexity,
    contextWindow: config.contextWindow,
    inputPerMTok: config.price.inputPerMTok,
    outputPerMTok: config.price.outputPerMTok,
    concurrency: config.concurrency,
    inFlight: load.inFlight,
    requestsPerMinute: config.requestsPerMinute ?? null,
    requestsLastMinute: load.starts.length,
    tokensPerMinute: config.tokensPerMinute ?? null,
    tokensLastMinute: load.starts.reduce((sum, s) => sum + s.tokens, 0),
    cooldownUntil: load.cooldownUntil > now ? load.cooldownUntil : null,
    budgetExhausted: null,
    fallback: config.fallback,
    baseLatencyMs: latencyPrior.baseLatencyMs,
    perOutputTokenMs: latencyPrior.perOutputTokenMs,
    stats: {},
    waiting,
  };
}
