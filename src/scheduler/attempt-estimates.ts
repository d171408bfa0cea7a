import type { ModelKindStats, ModelState, SchedulerTask } from "./scheduler-types.ts";

/**
 * What one model is expected to take and cost on one task: the duration of an attempt (a prior
 * from the configured latency, then learned), its price, and the outlook over the attempts the
 * task has left (each failure costs another attempt and a retry delay).
 */

/** Time to first token plus time per output token: the configured prior. */
export function priorDurationMs(model: ModelState, task: SchedulerTask): number {
  return model.baseLatencyMs + model.perOutputTokenMs * task.estimatedOutputTokens;
}

/**
 * How much faster or slower than its latency prior a model has been on every kind together: the
 * mean of actual ÷ prior over the successes of all its kinds, shrunk towards 1 by `strength`
 * pseudo-successes. Speed is mostly the model's, not the kind's: a model seen to be four times
 * faster than its prior on one kind is expected to be faster on a kind it has not run yet.
 */
export function modelDurationRatio(stats: ModelState["stats"], strength: number): number {
  let successes = 0;
  let weighted = 0;
  for (const record of Object.values(stats)) {
    if (record.meanDurationRatio === undefined || record.meanDurationRatio === null) continue;
    successes += record.successes;
    weighted += record.successes * record.meanDurationRatio;
  }
  return (weighted + strength) / (successes + strength);
}

/**
 * The prior, corrected by the (model, kind) record, shrunk by `strength` pseudo-successes towards
 * the prior times what the model showed on every kind (`modelRatio`, 1 when nothing is known). A
 * learned ratio (actual ÷ prior) scales with the size of this task; a learned mean in milliseconds
 * (no ratio recorded) is blended as it is.
 */
export function learnedDurationMs(
  prior: number,
  stats: ModelKindStats | undefined,
  strength: number,
  modelRatio = 1,
): number {
  const samples = stats?.successes ?? 0;
  if (stats === undefined || samples <= 0) return prior * modelRatio;
  if (stats.meanDurationRatio !== undefined && stats.meanDurationRatio !== null) {
    return (prior * (samples * stats.meanDurationRatio + strength * modelRatio)) / (samples + strength);
  }
  if (stats.meanDurationMs !== null)
    return (samples * stats.meanDurationMs + strength * prior * modelRatio) / (samples + strength);
  return prior * modelRatio;
}

/** Price of one attempt at the task's estimated tokens, US dollars. */
export function attemptCostUsd(model: ModelState, task: SchedulerTask): number {
  return (
    (task.estimatedInputTokens * model.inputPerMTok + task.estimatedOutputTokens * model.outputPerMTok) / 1e6
  );
}

export interface OutlookInput {
  /** Probability that one attempt succeeds. */
  success: number;
  durationMs: number;
  /** Wait before the first attempt can start (0 when the model is free). */
  startDelayMs: number;
  attemptsLeft: number;
  retryOverheadMs: number;
  now: number;
  deadline: number | null;
  readyAt: number;
}

export interface Outlook {
  /** Expected lateness beyond what is already unavoidable (now − deadline), ms, unweighted. */
  addedTardinessMs: number;
  /** Expected time from now to a successful end, given that one comes, ms. */
  completionMs: number;
  /** Expected number of attempts made (each failure brings the next, until none is left). */
  expectedAttempts: number;
  /** Probability that every attempt left fails. */
  failure: number;
}

/**
 * Expectation over attempt k = 1..n, each succeeding with the same probability p, the k-th ending
 * at delay + k × duration + (k − 1) × retry overhead. A task whose attempts all fail counts as
 * late by one deadline window (deadline − ready) more than its last failure was: it has to be
 * done again some other way, and that takes at least as long as it was given. (The benchmark
 * judges failures the same way: bench/scheduler/metrics.ts.)
 */
export function outlook(input: OutlookInput): Outlook {
  const { success: p, durationMs, startDelayMs, retryOverheadMs, now, deadline } = input;
  const attempts = Math.max(1, input.attemptsLeft);
  // The wait for a busy model is uncertain (the slot may free sooner or later, others may come
  // first): it is taken as exponential with the expected wait as its mean, so that a wait that
  // leaves little slack is priced by its chance of running late, not as if it were exact.
  const late = (end: number) =>
    deadline === null ? 0 : expectedLateness(deadline - now - (end - startDelayMs), startDelayMs);
  let reach = 1;
  let tardiness = 0;
  let completion = 0;
  let expectedAttempts = 0;
  let end = startDelayMs;
  for (let k = 1; k <= attempts; k++) {
    end = startDelayMs + k * durationMs + (k - 1) * retryOverheadMs;
    expectedAttempts += reach;
    tardiness += reach * p * late(end);
    completion += reach * p * end;
    reach *= 1 - p;
  }
  const window = deadline === null ? 0 : Math.max(0, deadline - input.readyAt);
  tardiness += reach * (late(end) + window);
  const unavoidable = deadline === null ? 0 : Math.max(0, now - deadline);
  return {
    addedTardinessMs: Math.max(0, tardiness - unavoidable),
    completionMs: reach < 1 ? completion / (1 - reach) : end,
    expectedAttempts,
    failure: reach,
  };
}

/**
 * E[max(0, W − slack)] for a wait W that is exponential with mean `meanWaitMs` (0: no wait): how
 * late, on average, a task is that has `slackMs` to spare once the wait is over.
 */
export function expectedLateness(slackMs: number, meanWaitMs: number): number {
  if (meanWaitMs <= 0) return Math.max(0, -slackMs);
  if (slackMs <= 0) return meanWaitMs - slackMs;
  return meanWaitMs * Math.exp(-slackMs / meanWaitMs);
}
