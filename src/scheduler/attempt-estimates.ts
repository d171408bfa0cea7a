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
 * The prior, corrected by the (model, kind) record, shrunk towards the prior by `strength`
 * pseudo-successes. A learned ratio (actual ÷ prior) scales with the size of this task; a learned
 * mean in milliseconds (no ratio recorded) is blended as it is.
 */
export function learnedDurationMs(
  prior: number,
  stats: ModelKindStats | undefined,
  strength: number,
): number {
  const samples = stats?.successes ?? 0;
  if (stats === undefined || samples <= 0) return prior;
  if (stats.meanDurationRatio !== undefined && stats.meanDurationRatio !== null) {
    return (prior * (samples * stats.meanDurationRatio + strength)) / (samples + strength);
  }
  if (stats.meanDurationMs !== null)
    return (samples * stats.meanDurationMs + strength * prior) / (samples + strength);
  return prior;
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
  const late = (end: number) => (deadline === null ? 0 : Math.max(0, now + end - deadline));
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
