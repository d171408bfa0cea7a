/**
 * The weights and scales of the weighted scheduler (src/scheduler/assign-models.ts). A score is
 * the sum of named factors, each a weight times a quantity brought to a common scale; the
 * formulas are in docs/scheduling.md. The defaults were tuned on the simulator benchmark
 * (bench/scheduler.ts, docs/benchmarks.md); what was tuned is listed in docs/scheduling.md.
 */
export interface SchedulerWeights {
  /**
   * Weight of the expected weighted tardiness the assignment adds: the task's weight
   * (1 + urgency, divided by 6 so that urgency 5 weighs 1) times the seconds by which it is
   * expected to finish after its deadline, counting retries, per `tardinessScaleS`.
   */
  deadline: number;
  /** Seconds of weighted lateness that cost one point of score. */
  tardinessScaleS: number;
  /** Weight of the probability that one attempt succeeds (capability prior, then learned). */
  success: number;
  /**
   * Weight of the expected cost of the task on this model, counting the retries failures need.
   * The one default tuned on the benchmark: 1 → 1.5 (docs/scheduling.md, "What was tuned").
   */
  cost: number;
  /** US dollars that cost one point of score (times `cost`). */
  costScaleUsd: number;
  /** Weight of the expected duration of one attempt under the model's load, scaled by urgency. */
  latency: number;
  /** Seconds of expected duration that cost one point of score (times `latency`). */
  latencyScaleS: number;
  /** Weight of the UCB-style bonus √(ln(1 + attempts on the kind) / (1 + this model's attempts)). */
  exploration: number;
  /**
   * Bonus for a model in the previous model's fallback list (the first gets all of it, the last
   * less); the previous model itself gets minus half of it (it just failed this task).
   */
  fallback: number;
  /**
   * How much slower a model is expected to answer at full load: duration × (1 + loadSlowdown ×
   * in flight ÷ concurrency). Providers queue requests internally as they near their limits.
   */
  loadSlowdown: number;
  /** Expected time between a failed attempt and the next one (retry backoff, requeue, claim), ms. */
  retryOverheadMs: number;
  /**
   * Pseudo-attempts of the capability prior when it is blended with what was learned about a
   * (model, kind): after this many real attempts, they weigh as much as the prior.
   */
  priorStrength: number;
  /** The same for durations: pseudo-successes of the latency prior. */
  durationPriorStrength: number;
  /**
   * A task is held (left without a model, to wait for a busy or cooling-down one) when waiting
   * for that model scores at least this much more than the best model free now.
   */
  holdMargin: number;
  /**
   * Look-ahead of the order in which tasks are considered (the K of the Apparent Tardiness Cost
   * rule): slack is measured in units of K mean processing times. Smaller: the order follows
   * weight ÷ duration; larger: it follows slack.
   */
  pressureLookahead: number;
  /** For ordering only: a task without a deadline is treated as due this long after it became ready, ms. */
  noDeadlineHorizonMs: number;
  /** Attempts a task has in all, when SchedulerTask.maxAttempts is not given (the engine's default). */
  defaultMaxAttempts: number;
}

export const defaultSchedulerWeights: Readonly<SchedulerWeights> = Object.freeze({
  deadline: 1,
  tardinessScaleS: 60,
  success: 1,
  cost: 1.5,
  costScaleUsd: 0.1,
  latency: 0.3,
  latencyScaleS: 60,
  exploration: 0.05,
  fallback: 0.05,
  loadSlowdown: 0.2,
  retryOverheadMs: 3_000,
  priorStrength: 4,
  durationPriorStrength: 2,
  holdMargin: 0.05,
  pressureLookahead: 2,
  noDeadlineHorizonMs: 3_600_000,
  defaultMaxAttempts: 3,
});
