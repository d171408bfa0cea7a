/**
 * The settings of the scheduler (src/scheduler/assign-models.ts). Its score is one expected cost
 * in US dollars (src/scheduler/score-model.ts, derived in docs/scheduling.md); what is here is the
 * user's trade-off (the price of lateness) and the facts the expectation needs (how providers slow
 * under load, how long a retry takes, how much the priors weigh). None was tuned on a benchmark
 * world: each default says where it comes from.
 */
export interface SchedulerWeights {
  /**
   * The price of lateness: US dollars per urgency-weighted minute late (an urgency-5 task weighs
   * 1), when the task does not carry its own (SchedulerTask.priceOfLateness). The default's
   * reasoning is in docs/scheduling.md.
   */
  priceOfLateness: number;
  /**
   * How much slower a model is expected to answer at full load: duration × (1 + loadSlowdown ×
   * in flight ÷ concurrency). Providers queue requests internally as they near their limits.
   */
  loadSlowdown: number;
  /** Expected time between a failed attempt and the next one (retry backoff, requeue, claim), ms. */
  retryOverheadMs: number;
  /** Pseudo-successes of the latency prior when it is blended with what was learned. */
  durationPriorStrength: number;
  /**
   * Look-ahead of the order in which tasks are considered (the K of the Apparent Tardiness Cost
   * rule): slack is measured in units of K mean processing times. Smaller: the order follows
   * weight ÷ duration; larger: it follows slack.
   */
  pressureLookahead: number;
  /** A task without a deadline is late this long after it became ready, ms (and ordered so). */
  noDeadlineHorizonMs: number;
  /** Attempts a task has in all, when SchedulerTask.maxAttempts is not given (the engine's default). */
  defaultMaxAttempts: number;
}

export const defaultSchedulerWeights: Readonly<SchedulerWeights> = Object.freeze({
  priceOfLateness: 0.05,
  loadSlowdown: 0.2,
  retryOverheadMs: 3_000,
  durationPriorStrength: 2,
  pressureLookahead: 2,
  noDeadlineHorizonMs: 3_600_000,
  defaultMaxAttempts: 3,
});
