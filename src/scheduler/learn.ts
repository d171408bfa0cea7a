import type { ModelKindStats } from "./scheduler-types.ts";

/**
 * Online learning per (model, kind): after each finished attempt, fold its outcome into the record
 * the scheduler reads (ModelState.stats). Pure: the caller stores the result.
 */

/**
 * Weight of the newest successful duration in the exponentially weighted mean: mean ← mean +
 * 0.2 × (sample − mean). A sample's weight halves after about three more (0.8³ ≈ 0.51) and falls
 * to 11 % after ten (0.8¹⁰): a provider whose latency changes (load, a new model version) is
 * followed within ten or so calls, while one slow call moves the mean by a fifth of its excess.
 */
export const durationEwmaAlpha = 0.2;

export interface AttemptOutcome {
  succeeded: boolean;
  durationMs: number;
  /**
   * Optional: the scheduler's estimates when it chose this model (ModelScore.estimates). With
   * them, the record is calibrated: successes are compared with what the capability prior
   * expected, durations with the latency prior.
   */
  priorSuccess?: number;
  priorDurationMs?: number;
}

export function recordOutcome(stats: ModelKindStats | undefined, outcome: AttemptOutcome): ModelKindStats {
  const before = stats ?? { attempts: 0, successes: 0, meanDurationMs: null };
  const attempts = before.attempts + 1;
  const successes = before.successes + (outcome.succeeded ? 1 : 0);
  const next: ModelKindStats = { attempts, successes, meanDurationMs: before.meanDurationMs };

  // A calibration sum is only meaningful when every recorded attempt contributed to it.
  const calibrated = before.attempts === 0 || before.expectedSuccesses !== undefined;
  if (outcome.priorSuccess !== undefined && calibrated) {
    next.expectedSuccesses = (before.expectedSuccesses ?? 0) + outcome.priorSuccess;
  }

  const ratioTracked =
    before.successes === 0 || (before.meanDurationRatio !== undefined && before.meanDurationRatio !== null);
  if (outcome.succeeded) {
    next.meanDurationMs = smooth(before.meanDurationMs, outcome.durationMs);
    if (outcome.priorDurationMs !== undefined && outcome.priorDurationMs > 0 && ratioTracked) {
      next.meanDurationRatio = smooth(
        before.meanDurationRatio ?? null,
        outcome.durationMs / outcome.priorDurationMs,
      );
    } else if (before.meanDurationRatio !== undefined) {
      next.meanDurationRatio = null;
    }
  } else if (before.meanDurationRatio !== undefined) {
    next.meanDurationRatio = before.meanDurationRatio;
  }
  return next;
}

function smooth(mean: number | null, sample: number): number {
  return mean === null ? sample : mean + durationEwmaAlpha * (sample - mean);
}
