import { attemptCostUsd, learnedDurationMs, outlook, priorDurationMs } from "./attempt-estimates.ts";
import type { ModelState, SchedulerTask, ScoreEstimates } from "./scheduler-types.ts";
import type { SchedulerWeights } from "./scheduler-weights.ts";
import { capabilityLevel, learnedSuccess, priorSuccess } from "./success-model.ts";

/**
 * The soft side of the scheduler: how well one model suits one task, as a sum of named factors.
 * Every factor is a signed contribution to the score (higher is better); docs/scheduling.md gives
 * each formula.
 */

export const factorNames = [
  "deadline",
  "capability",
  "learned_success",
  "cost",
  "latency",
  "learned_duration",
  "exploration",
  "fallback",
] as const;
export type FactorName = (typeof factorNames)[number];
export type Factors = Record<FactorName, number>;

/** What does not change while one call hands out capacity: the model's fit for the task. */
export interface Fit {
  model: ModelState;
  priorSuccess: number;
  success: number;
  priorDurationMs: number;
  /** Learned duration of one attempt, before load. */
  durationMs: number;
  attemptCostUsd: number;
  /** Attempts recorded on this model for the task's kind, and on every model for it. */
  kindAttempts: number;
  allKindAttempts: number;
  /** The fallback factor: where the model stands in the previous model's fallback list. */
  fallback: number;
}

export interface FitContext {
  allKindAttempts: number;
  /** The fallback list of the task's previous model (null: no previous model, or not configured). */
  previousFallback: readonly string[] | null;
}

export function fitOf(
  task: SchedulerTask,
  model: ModelState,
  context: FitContext,
  weights: SchedulerWeights,
): Fit {
  const stats = model.stats[task.kind];
  const prior = priorSuccess(capabilityLevel(model, task), task.complexity);
  const priorDuration = priorDurationMs(model, task);
  return {
    model,
    priorSuccess: prior,
    success: learnedSuccess(prior, stats, weights.priorStrength),
    priorDurationMs: priorDuration,
    durationMs: learnedDurationMs(priorDuration, stats, weights.durationPriorStrength),
    attemptCostUsd: attemptCostUsd(model, task),
    kindAttempts: stats?.attempts ?? 0,
    allKindAttempts: context.allKindAttempts,
    fallback: fallbackBonus(task, model.id, context.previousFallback, weights.fallback),
  };
}

/**
 * After a failed attempt, the previous model's fallback list says where to go next: its first
 * entry gets the whole bonus, the last 1 ÷ length of it. The previous model itself loses half the
 * bonus: it has just failed this very task.
 */
export function fallbackBonus(
  task: SchedulerTask,
  modelId: string,
  previousFallback: readonly string[] | null,
  weight: number,
): number {
  if (task.previousModel === null) return 0;
  if (modelId === task.previousModel) return -weight / 2;
  const position = previousFallback?.indexOf(modelId) ?? -1;
  if (position < 0 || previousFallback === null) return 0;
  return (weight * (previousFallback.length - position)) / previousFallback.length;
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
    success: fit.success,
    durationMs: duration,
    startDelayMs,
    attemptsLeft: maxAttempts - task.attempt + 1,
    retryOverheadMs: w.retryOverheadMs,
    now,
    deadline: task.deadline,
    readyAt: task.readyAt,
  });
  const weight = taskWeight(task);
  const perLatencySecond = (w.latency * weight) / (1_000 * w.latencyScaleS);
  const tardinessS = (weight * view.addedTardinessMs) / 1_000;
  const costUsd = fit.attemptCostUsd * view.expectedAttempts;
  const factors: Factors = {
    deadline: (-w.deadline * tardinessS) / w.tardinessScaleS,
    capability: w.success * fit.priorSuccess,
    learned_success: w.success * (fit.success - fit.priorSuccess),
    cost: (-w.cost * costUsd) / w.costScaleUsd,
    latency: -perLatencySecond * (priorDuration + startDelayMs),
    learned_duration: -perLatencySecond * (duration - priorDuration),
    exploration: w.exploration * Math.sqrt(Math.log(1 + fit.allKindAttempts) / (1 + fit.kindAttempts)),
    fallback: fit.fallback,
  };
  let score = 0;
  for (const name of factorNames) score += factors[name];
  return {
    score,
    factors,
    estimates: {
      successProbability: fit.success,
      priorSuccess: fit.priorSuccess,
      durationMs: duration,
      priorDurationMs: priorDuration,
      costUsd,
      tardinessS,
    },
  };
}
