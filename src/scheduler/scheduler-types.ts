/**
 * What the weighted scheduler reads and what it answers. The scheduler is a pure, deterministic
 * function of these values (no clock, no randomness, no database): production builds them from
 * the database (src/models/model-assignment.ts), the simulator in bench/scheduler/ builds them
 * from its simulated world, and both call the same code.
 *
 * Times are epoch milliseconds; money is US dollars.
 */

/** A ready task that needs a model. */
export interface SchedulerTask {
  id: number;
  kind: string;
  /** The stage of work it belongs to ("Implement Ideas", …). */
  stage: string;
  /** 0–10: how much it matters that it is done soon. */
  urgency: number;
  /** 0–10: how hard it is. */
  complexity: number;
  /** Skills it needs; a model qualifies only with level ≥ 1 in each. */
  capabilities: string[];
  deadline: number | null;
  /** When it became ready to run. */
  readyAt: number;
  /** Attempt about to start (1 for the first). */
  attempt: number;
  estimatedInputTokens: number;
  estimatedOutputTokens: number;
  /** Set when the task must run on this model and no other. */
  pinnedModel: string | null;
  /** The idea it serves, if any (its key): idea budgets apply. */
  idea: string | null;
  /** The model of the previous attempt, when there was one: its fallback list breaks ties, and it is not waited for. */
  previousModel: string | null;
  /**
   * Attempts the task may make in all (the engine's `max_attempts`). Optional: the scheduler
   * assumes 3, the engine's default, when it is absent. It tells how many retries a failure leaves.
   */
  maxAttempts?: number;
  /**
   * What an hour's lateness is worth here, as the price of lateness: US dollars per
   * urgency-weighted minute late (an urgency-5 task weighs 1). Optional: the scheduler's
   * `priceOfLateness` applies when absent. Production sets it from `scheduler.priceOfLateness`
   * (global, per kind, per idea: src/scheduler/scheduler-config.ts).
   */
  priceOfLateness?: number;
}

/**
 * Outcomes of one model on one capability, by how far its declared level stood above the task's
 * complexity (gap = level − complexity, rounded, within ±10), and by kind: what the success curve
 * of src/scheduler/success-curve.ts is fitted to. An attempt counts once for each capability its
 * task requires ("*" for a task that requires none), each at that capability's gap.
 */
export interface SuccessCount {
  capability: string;
  kind: string;
  gap: number;
  attempts: number;
  successes: number;
}

/** What was learned about one model on one kind of task, online, from finished attempts. */
export interface ModelKindStats {
  attempts: number;
  successes: number;
  /** Mean duration of successful attempts, ms (an exponentially weighted mean). */
  meanDurationMs: number | null;
  /**
   * Optional calibration (src/scheduler/learn.ts fills them when the outcome carries the
   * scheduler's own estimates, ModelScore.estimates). expectedSuccesses: the sum, over the
   * recorded attempts, of the success probability the capability prior gave each one; with
   * `successes` it says how far this model beats or trails its declared capabilities on this kind,
   * whatever the mix of complexities it was given. meanDurationRatio: exponentially weighted mean
   * of actual ÷ prior duration over successful attempts, so that what is learned scales with the
   * size of the next task.
   */
  expectedSuccesses?: number;
  meanDurationRatio?: number | null;
}

/** A model as it stands now: its configuration, its load, its limits, what was learned. */
export interface ModelState {
  id: string;
  provider: string;
  enabled: boolean;
  /** Skill → level 0–10. */
  capabilities: Record<string, number>;
  maxComplexity: number;
  contextWindow: number;
  inputPerMTok: number;
  outputPerMTok: number;
  /** Requests at once across all workers, and how many are running now. */
  concurrency: number;
  inFlight: number;
  requestsPerMinute: number | null;
  /** Requests started in the last 60 s. */
  requestsLastMinute: number;
  tokensPerMinute: number | null;
  /** Tokens (input + output, estimated until known) of requests started in the last 60 s. */
  tokensLastMinute: number;
  /** After a 429 or a server error: no new request before this time. */
  cooldownUntil: number | null;
  /** Why no new work may go to it for money reasons (its, or its provider's, budget is spent). */
  budgetExhausted: string | null;
  /** After this one cooled down or failed a task: among models expected to cost the same, these first, in order. */
  fallback: string[];
  /** Prior for latency before anything is learned: ms before the first token, ms per output token. */
  baseLatencyMs: number;
  perOutputTokenMs: number;
  /** Learned per task kind. */
  stats: Record<string, ModelKindStats>;
  /** Learned success by capability, gap and kind (absent or empty: nothing learned yet). */
  successCounts?: SuccessCount[];
  /**
   * Tasks elsewhere in the queue (not in this call) left waiting for this model: each one ahead
   * lengthens the wait of the next task that would wait for it. Production counts them in the
   * database; the simulator in its queue. Absent: 0.
   */
  waiting?: number;
}

export interface SchedulerInput {
  tasks: SchedulerTask[];
  models: ModelState[];
  now: number;
  /** Ideas whose budget is spent: idea key → reason. Their tasks get no model. */
  exhaustedIdeas: Record<string, string>;
}

/** Why a model was not eligible for a task (src/scheduler/hard-constraints.ts has the rules). */
export type ExclusionKind =
  | "disabled"
  | "pinned"
  | "capability"
  | "complexity"
  | "context"
  | "budget"
  | "cooldown"
  | "concurrency"
  | "requests"
  | "tokens"
  | "idea";

/** How one model scored for one task: every factor, so that the choice can be explained. */
export interface ModelScore {
  modelId: string;
  /** Minus the expected cost in US dollars (the parts in `factors`); the highest eligible score wins. Absent when the model was not eligible. */
  score: number | null;
  /** Each factor's contribution to the score (named, signed), for explanations. */
  factors: Record<string, number>;
  /** Why the model was not eligible (capability, complexity, limit, cooldown, budget, disabled, pinned). */
  excluded: string | null;
  /** The rule behind `excluded`, for callers that act on it (how long a task waits). */
  excludedKind?: ExclusionKind;
  /**
   * Optional: the estimates behind the factors, for eligible models. Pass the chosen model's
   * `priorSuccess` and `priorDurationMs` to recordOutcome (src/scheduler/learn.ts) when the attempt
   * ends, so that learning is calibrated against what the prior expected.
   */
  estimates?: ScoreEstimates;
}

/** What the scheduler expected of one model on one task. */
export interface ScoreEstimates {
  /** Probability that one attempt succeeds: the learned success curve, corrected for the kind. */
  successProbability: number;
  priorSuccess: number;
  /** Expected duration of one attempt, ms: the prior, then learned, then slowed by load. */
  durationMs: number;
  priorDurationMs: number;
  /** Expected cost of the task, US dollars, counting the retries that failures would need. */
  costUsd: number;
  /** Expected weighted tardiness beyond what is already unavoidable, seconds. */
  tardinessS: number;
  /** What that lateness costs at the task's price of lateness, US dollars. */
  latenessUsd: number;
  /**
   * The learned success curve that decided `successProbability`: the capability (the task's
   * weakest on this model), the curve's offset and slope (p = σ(offset + slope × gap), gap = level
   * − complexity), and the kind's correction in log-odds (src/scheduler/success-curve.ts).
   */
  curve: { capability: string; offset: number; slope: number; kindLogOdds: number };
}

export interface Assignment {
  taskId: number;
  /** The chosen model, or null: the task waits (every model excluded or busy). */
  modelId: string | null;
  /** One line a person can read: why this model, or why none. */
  reason: string;
  /** Every model considered, best first. */
  scores: ModelScore[];
  /**
   * When the task got no model because waiting for a busy one is expected to cost less than any
   * model free now: that model, and how long until it is expected to be free (when the task
   * should be looked at again).
   */
  waitingFor?: { modelId: string; expectedWaitMs: number };
}
