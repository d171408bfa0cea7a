import {
  attemptCostUsd,
  learnedDurationMs,
  modelDurationRatio,
  outlook,
  priorDurationMs,
} from "./attempt-estimates.ts";
import type { ModelState, SchedulerTask, ScoreEstimates } from "./scheduler-types.ts";
import type { SchedulerWeights } from "./scheduler-weights.ts";
import {
  type CapabilityGap,
  capabilityGaps,
  estimateSuccess,
  type SuccessBelief,
  type SuccessEstimate,
} from "./success-curve.ts";

/**
 * The soft side of the scheduler: what running one task on one model is expected to cost, in US
 * dollars, as a sum of named parts; the score is minus that cost (higher is better).
 * docs/scheduling.md derives it.
 *
 *   E[cost] = price of an attempt × E[attempts]
 *           + price of lateness × ω × E[minutes late, a task failed for good counting one more window]
 *
 * Nothing in it is a weight tuned to a world: the one trade-off, what lateness is worth against
 * money, is the user's (SchedulerTask.priceOfLateness, SchedulerWeights.priceOfLateness).
 */

export const factorNames = ["price", "lateness"] as const;
export type FactorName = (typeof factorNames)[number];
export type Factors = Record<FactorName, number>;

/** What does not change while one call hands out capacity: the model's fit for the task. */
export interface Fit {
  model: ModelState;
  success: SuccessEstimate;
  /** The capabilities the task is judged on, with the model's level and gap in each. */
  gaps: CapabilityGap[];
  priorDurationMs: number;
  /** Learned duration of one attempt, before load. */
  durationMs: number;
  attemptCostUsd: number;
  /** Where the model stands in the previous model's fallback list: breaks ties only. */
  fallbackRank: number;
}

export function fitOf(
  task: SchedulerTask,
  model: ModelState,
  belief: SuccessBelief,
  previousFallback: readonly string[] | null,
  weights: SchedulerWeights,
): Fit {
  const stats = model.stats[task.kind];
  const gaps = capabilityGaps(model.capabilities, task);
  const priorDuration = priorDurationMs(model, task);
  return {
    model,
    success: estimateSuccess(belief, gaps, task.kind),
    gaps,
    priorDurationMs: priorDuration,
    durationMs: learnedDurationMs(
      priorDuration,
      stats,
      weights.durationPriorStrength,
      modelDurationRatio(model.stats, weights.durationPriorStrength),
    ),
    attemptCostUsd: attemptCostUsd(model, task),
    fallbackRank: fallbackRank(task, model.id, previousFallback),
  };
}

/**
 * After a failed attempt, the previous model's fallback list says where to go next: its first
 * entry ranks 0, the next 1, …; a model not in it ranks after them. Among options expected to
 * cost the same, the lower rank wins.
 */
export function fallbackRank(
  task: SchedulerTask,
  modelId: string,
  previousFallback: readonly string[] | null,
): number {
  if (task.previousModel === null || previousFallback === null) return 0;
  const position = previousFallback.indexOf(modelId);
  return position < 0 ? previousFallback.length : position;
}

/** A task's weight in tardiness: 1 + urgency, divided by 6 so that an urgency-5 task weighs 1. */
export function taskWeight(task: SchedulerTask): number {
  return (1 + Math.max(0, task.urgency)) / 6;
}

export interface Scored {
  score: number;
  factors: Factors;
  estimates: ScoreEstimates;
}

/** The price of lateness for a task, US dollars per urgency-weighted minute. */
export function priceOfLateness(task: SchedulerTask, weights: SchedulerWeights): number {
  return task.priceOfLateness ?? weights.priceOfLateness;
}

/** When lateness starts: the deadline, or for a task without one `noDeadlineHorizonMs` after it became ready. */
export function dueAt(task: SchedulerTask, weights: SchedulerWeights): number {
  return task.deadline ?? task.readyAt + weights.noDeadlineHorizonMs;
}

/**
 * Scores `fit` for `task` if its first attempt starts after `startDelayMs` (0: now; more when
 * waiting for a busy model is considered), with `running` requests on the model at that time.
 */
export function scoreFit(
  task: SchedulerTask,
  fit: Fit,
  options: { now: number; startDelayMs: number; running: number; weights: SchedulerWeights },
): Scored {
  const { now, startDelayMs, running, weights: w } = options;
  const { model } = fit;
  const load = 1 + w.loadSlowdown * Math.min(1, running / model.concurrency);
  const priorDuration = fit.priorDurationMs * load;
  const duration = fit.durationMs * load;
  const maxAttempts = task.maxAttempts ?? w.defaultMaxAttempts;
  const view = outlook({
    success: fit.success.probability,
    durationMs: duration,
    startDelayMs,
    attemptsLeft: maxAttempts - task.attempt + 1,
    retryOverheadMs: w.retryOverheadMs,
    now,
    deadline: dueAt(task, w),
    readyAt: task.readyAt,
  });
  const weight = taskWeight(task);
  const tardinessS = (weight * view.addedTardinessMs) / 1_000;
  const costUsd = fit.attemptCostUsd * view.expectedAttempts;
  const latenessUsd = (priceOfLateness(task, w) * tardinessS) / 60;
  const factors: Factors = { price: -costUsd, lateness: -latenessUsd };
  return {
    score: -(costUsd + latenessUsd),
    factors,
    estimates: {
      successProbability: fit.success.probability,
      priorSuccess: fit.success.prior,
      durationMs: duration,
      priorDurationMs: priorDuration,
      costUsd,
      tardinessS,
      latenessUsd,
      curve: {
        capability: fit.success.capability,
        offset: fit.success.curve.offset,
        slope: fit.success.curve.slope,
        kindLogOdds: fit.success.kindLogOdds,
      },
    },
  };
}
