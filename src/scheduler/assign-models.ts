import { explainChoice, explainHold, formatDuration, type Option } from "./explain.ts";
import {
  type CallUsage,
  capacityExclusion,
  type Exclusion,
  estimatedTokens,
  noUsage,
  staticExclusion,
  summariseExclusions,
  waitableKinds,
} from "./hard-constraints.ts";
import type { Assignment, ModelScore, ModelState, SchedulerInput, SchedulerTask } from "./scheduler-types.ts";
import { defaultSchedulerWeights, type SchedulerWeights } from "./scheduler-weights.ts";
import { type Fit, fitOf, scoreFit } from "./score-model.ts";
import { orderByPressure } from "./task-order.ts";

export { defaultSchedulerWeights, type SchedulerWeights } from "./scheduler-weights.ts";

/**
 * The weighted scheduler: for each ready task, the model to run it on, with the score of every
 * factor for every model, or no model and why. Pure and deterministic: the same input gives the
 * same output (no clock, no randomness; models are taken in id order, ties go to the lower model
 * id, then the lower task id).
 *
 * Tasks are considered most pressing first (task-order.ts) and each one takes capacity from what
 * is left: a model's slots, requests and tokens per minute handed out earlier in the call count
 * for the tasks after. A model that is busy or cooling down may still be worth waiting for: when
 * waiting for it (its expected wait added to the task's time) scores more than the best model
 * free now by `holdMargin`, the task is left without a model and says what it waits for.
 *
 * The answer lists the tasks in the order considered. docs/scheduling.md has the formulas.
 */
export function assignModels(input: SchedulerInput, weights: Partial<SchedulerWeights> = {}): Assignment[] {
  const w: SchedulerWeights = { ...defaultSchedulerWeights, ...weights };
  const models = [...input.models].sort((a, b) => compareIds(a.id, b.id));
  const byId = new Map(models.map((model) => [model.id, model]));
  const kindAttempts = attemptsPerKind(models);

  const plans = input.tasks.map((task) => planTask(task, models, byId, kindAttempts, w));
  const used = new Map<string, CallUsage>();
  // Tasks of this call already waiting for a model: each one ahead lengthens the next one's wait.
  const waiting = new Map<string, number>();

  return orderByPressure(plans, input.now, w).map((plan) => decide(plan, input, models, used, waiting, w));
}

interface Candidate {
  fit: Fit;
  excluded: Exclusion | null;
}

interface TaskPlan {
  task: SchedulerTask;
  candidates: Candidate[];
  processingMs: number | null;
}

function planTask(
  task: SchedulerTask,
  models: readonly ModelState[],
  byId: ReadonlyMap<string, ModelState>,
  kindAttempts: ReadonlyMap<string, number>,
  w: SchedulerWeights,
): TaskPlan {
  const previousFallback =
    task.previousModel === null ? null : (byId.get(task.previousModel)?.fallback ?? null);
  const context = { allKindAttempts: kindAttempts.get(task.kind) ?? 0, previousFallback };
  const candidates = models.map((model) => ({
    fit: fitOf(task, model, context, w),
    excluded: staticExclusion(task, model),
  }));
  const eligible = candidates.filter((c) => c.excluded === null).map((c) => c.fit.durationMs);
  return { task, candidates, processingMs: eligible.length === 0 ? null : Math.min(...eligible) };
}

function decide(
  plan: TaskPlan,
  input: SchedulerInput,
  models: readonly ModelState[],
  used: Map<string, CallUsage>,
  waiting: Map<string, number>,
  w: SchedulerWeights,
): Assignment {
  const { task } = plan;
  const { now } = input;
  const ideaReason = task.idea === null ? undefined : input.exhaustedIdeas[task.idea];
  if (ideaReason !== undefined) {
    // Production's reasons already name the idea ("idea demo-x: daily budget spent (…)").
    const prefix = `idea ${task.idea}`;
    const reason = ideaReason.startsWith(prefix) ? ideaReason : `${prefix}: ${ideaReason}`;
    return {
      taskId: task.id,
      modelId: null,
      reason,
      scores: models.map((model) => ({
        modelId: model.id,
        score: null,
        factors: {},
        excluded: reason,
        excludedKind: "idea" as const,
      })),
    };
  }

  const free: Option[] = [];
  const exclusions: Exclusion[] = [];
  let bestWait: { option: Option; waitMs: number; why: string } | null = null;
  const scores: ModelScore[] = [];
  for (const { fit, excluded } of plan.candidates) {
    const { model } = fit;
    const usage = used.get(model.id) ?? noUsage;
    const blocked = excluded ?? capacityExclusion(task, model, usage, now);
    if (blocked === null) {
      const scored = scoreFit(task, fit, {
        now,
        startDelayMs: 0,
        running: model.inFlight + usage.requests,
        weights: w,
      });
      free.push({ modelId: model.id, scored });
      scores.push({
        modelId: model.id,
        score: scored.score,
        factors: { ...scored.factors },
        excluded: null,
        estimates: scored.estimates,
      });
      continue;
    }
    exclusions.push(blocked);
    scores.push({
      modelId: model.id,
      score: null,
      factors: {},
      excluded: blocked.reason,
      excludedKind: blocked.kind,
    });
    const queued = waiting.get(model.id) ?? 0;
    if (excluded === null && waitableKinds.has(blocked.kind)) {
      const waitMs = expectedWaitMs(task, fit, usage, queued, now);
      // When it starts, a full model has just freed one slot; a cooling one runs what it runs now.
      const scored = scoreFit(task, fit, {
        now,
        startDelayMs: waitMs,
        running: Math.min(model.concurrency - 1, model.inFlight + usage.requests),
        weights: w,
      });
      if (bestWait === null || better(scored.score, model.id, bestWait.option)) {
        bestWait = { option: { modelId: model.id, scored }, waitMs, why: blocked.reason };
      }
    }
  }
  // Stable order: eligible by score, then the excluded, each group by model id.
  scores.sort(
    (a, b) =>
      (b.score ?? Number.NEGATIVE_INFINITY) - (a.score ?? Number.NEGATIVE_INFINITY) ||
      compareIds(a.modelId, b.modelId),
  );
  free.sort((a, b) => b.scored.score - a.scored.score || compareIds(a.modelId, b.modelId));
  const best = free[0] ?? null;

  if (
    best !== null &&
    (bestWait === null || bestWait.option.scored.score <= best.scored.score + w.holdMargin)
  ) {
    const usage = used.get(best.modelId) ?? { requests: 0, tokens: 0 };
    used.set(best.modelId, { requests: usage.requests + 1, tokens: usage.tokens + estimatedTokens(task) });
    return {
      taskId: task.id,
      modelId: best.modelId,
      reason: explainChoice(task, now, best, free[1] ?? null),
      scores,
    };
  }
  if (bestWait !== null) {
    const id = bestWait.option.modelId;
    waiting.set(id, (waiting.get(id) ?? 0) + 1);
  }
  const reason =
    bestWait !== null && best !== null
      ? explainHold(task, now, bestWait.option, bestWait.waitMs, bestWait.why, best)
      : `${summariseExclusions(task, models, exclusions)}${
          bestWait === null
            ? ""
            : `; waiting for ${bestWait.option.modelId} (≈${formatDuration(bestWait.waitMs)})`
        }`;
  return { taskId: task.id, modelId: null, reason, scores };
}

/**
 * How long until a busy model could start this task: the end of its cooldown; for a full model,
 * the next slot to free (with c requests running, each a uniformly spread part of the way
 * through, the first ends after ≈ duration ÷ (c + 1)), one more such interval per task of this
 * call already waiting for it; for a per-minute limit, the share of a minute one request (or
 * this task's tokens) takes.
 */
function expectedWaitMs(
  task: SchedulerTask,
  fit: Fit,
  usage: Readonly<CallUsage>,
  ahead: number,
  now: number,
): number {
  const { model } = fit;
  const turns = ahead + 1;
  let wait = 0;
  if (model.cooldownUntil !== null && model.cooldownUntil > now) wait = model.cooldownUntil - now;
  if (model.inFlight + usage.requests >= model.concurrency) {
    wait = Math.max(wait, (turns * fit.durationMs) / (model.concurrency + 1));
  }
  if (
    model.requestsPerMinute !== null &&
    model.requestsLastMinute + usage.requests + 1 > model.requestsPerMinute
  ) {
    wait = Math.max(wait, (turns * 60_000) / model.requestsPerMinute);
  }
  const tokens = estimatedTokens(task);
  if (
    model.tokensPerMinute !== null &&
    model.tokensLastMinute + usage.tokens + tokens > model.tokensPerMinute
  ) {
    wait = Math.max(wait, (turns * 60_000 * tokens) / model.tokensPerMinute);
  }
  return wait;
}

function better(score: number, modelId: string, than: Option): boolean {
  return score > than.scored.score || (score === than.scored.score && compareIds(modelId, than.modelId) < 0);
}

function attemptsPerKind(models: readonly ModelState[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const model of models) {
    for (const [kind, stats] of Object.entries(model.stats)) {
      totals.set(kind, (totals.get(kind) ?? 0) + stats.attempts);
    }
  }
  return totals;
}

/** Code-unit order, the same in every locale (localeCompare is not). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
