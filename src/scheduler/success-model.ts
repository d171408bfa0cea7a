import type { ModelKindStats, ModelState, SchedulerTask } from "./scheduler-types.ts";

/**
 * The scheduler's belief about whether one attempt of a task on a model succeeds: a prior from
 * the model's declared capabilities against the task's complexity, corrected by what was learned
 * online about that model on that kind of task. Formulas and their reasons: docs/scheduling.md.
 */

/** The prior's shape: p₀ = ceiling × logistic(slope × (level − complexity + margin)). */
export const priorCeiling = 0.97;
export const priorSlope = 0.9;
/** A model's level is meant as "handles tasks of this complexity well": at level = complexity, p₀ ≈ 0.77. */
export const priorMargin = 1.5;
/** Bounds on any estimate, so that nothing is ever certain and retries never look infinite. */
export const minSuccess = 0.02;
export const maxSuccess = 0.99;

/**
 * The model's level for the task: its weakest required capability (a task needs all of them). A
 * task requiring nothing is judged by the mean of the model's declared levels (5 when none).
 */
export function capabilityLevel(model: Pick<ModelState, "capabilities">, task: SchedulerTask): number {
  if (task.capabilities.length > 0) {
    return Math.min(...task.capabilities.map((skill) => model.capabilities[skill] ?? 0));
  }
  const levels = Object.values(model.capabilities);
  return levels.length === 0 ? 5 : levels.reduce((sum, level) => sum + level, 0) / levels.length;
}

export function priorSuccess(level: number, complexity: number): number {
  return clamp(priorCeiling / (1 + Math.exp(-priorSlope * (level - complexity + priorMargin))));
}

/**
 * The prior, corrected by the (model, kind) record. With calibration data (expectedSuccesses:
 * what the prior predicted for the attempts recorded), the observed rate is compared with the
 * mean prior of those same attempts, and the difference is applied in log-odds to this task's
 * prior: a model that succeeded less often than its capabilities promised is believed weaker on
 * every complexity of that kind, not only on the mix it happened to get. Both rates are shrunk
 * towards the prior by `strength` pseudo-attempts. Without calibration data, the plain
 * Beta-style blend (successes + strength × p₀) ÷ (attempts + strength).
 */
export function learnedSuccess(prior: number, stats: ModelKindStats | undefined, strength: number): number {
  if (stats === undefined || stats.attempts <= 0) return prior;
  const { attempts, successes, expectedSuccesses } = stats;
  if (expectedSuccesses === undefined) {
    return clamp((successes + strength * prior) / (attempts + strength));
  }
  const meanPrior = clamp(expectedSuccesses / attempts);
  const observed = clamp((successes + strength * meanPrior) / (attempts + strength));
  return clamp(sigmoid(logit(prior) + logit(observed) - logit(meanPrior)));
}

function clamp(p: number): number {
  return Math.min(maxSuccess, Math.max(minSuccess, p));
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
