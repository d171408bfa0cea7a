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
import { learnBelief, type SuccessBelief } from "./success-curve.ts";
import { orderByPressure } from "./task-order.ts";

export { defaultSchedulerWeights, type SchedulerWeights } from "./scheduler-weights.ts";

/**
 * The scheduler: for each ready task, the model to run it on, with every model's expected cost
 * and its parts, or no model and why. Pure and deterministic: the same input gives the same
 * output (no clock, no randomness; models are taken in id order, ties go to the lower fallback
 * rank, then the lower model id, then the lower task id).
 *
 * Tasks are considered most pressing first (task-order.ts) and each one takes capacity from what
 * is left: a model's slots, requests and tokens per minute handed out earlier in the call count
 * for the tasks after. A model that is busy or cooling down may still be worth waiting for: its
 * expected wait counts every task ahead of this one waiting for it, in this call and elsewhere in
 * the queue (ModelState.waiting), and when waiting for it is expected to cost less than the best
 * model free now, the task is left without a model and says what it waits for and how long.
 *
 * The answer lists the tasks in the order considered. docs/scheduling.md has the formulas.
 */
export function assignModels(input: SchedulerInput, weights: Partial<SchedulerWeights> = {}): Assignment[] {
  const w: SchedulerWeights = { ...defaultSchedulerWeights, ...weights };
  const models = [...input.models].sort((a, b) => compareIds(a.id, b.id));
  const byId = new Map(models.map((model) => [model.id, model]));
  const beliefs = new Map(models.map((model) => [model.id, learnBelief(model.successCounts ?? [])]));

  const plans = input.tasks.map((task) => planTask(task, models, byId, beliefs, w));
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
  beliefs: ReadonlyMap<string, SuccessBelief>,
  w: SchedulerWeights,
): TaskPlan {
  const previousFallback =
    task.previousModel === null ? null : (byId.get(task.previousModel)?.fallback ?? null);
  const candidates = models.map((model) => ({
    fit: fitOf(task, model, beliefs.get(model.id)!, previousFallback, w),
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
      free.push({ modelId: model.id, scored, rank: fit.fallbackRank });
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
    // A retry does not wait for the model that has just failed it (or rate-limited it): that is
    // what its fallback list is for.
    if (excluded === null && waitableKinds.has(blocked.kind) && model.id !== task.previousModel) {
      const waitMs = expectedWaitMs(task, fit, usage, queued + (model.waiting ?? 0), now);
      // When it starts, a full model has just freed one slot; a cooling one runs what it runs now.
      const scored = scoreFit(task, fit, {
        now,
        startDelayMs: waitMs,
        running: Math.min(model.concurrency - 1, model.inFlight + usage.requests),
        weights: w,
      });
      const option = { modelId: model.id, scored, rank: fit.fallbackRank };
      if (bestWait === null || better(option, bestWait.option)) {
        bestWait = { option, waitMs, why: blocked.reason };
      }
    }
  }
  // Stable order: eligible by score, then the excluded, each group by model id.
  scores.sort(
    (a, b) =>
      (b.score ?? Number.NEGATIVE_INFINITY) - (a.score ?? Number.NEGATIVE_INFINITY) ||
      compareIds(a.modelId, b.modelId),
  );
  free.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const best = free[0] ?? null;

  // Waiting must be expected to save something: a millionth of a cent is float noise, not a saving.
  if (best !== null && (bestWait === null || bestWait.option.scored.score <= best.scored.score + 1e-8)) {
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
  const waitingFor =
    bestWait === null
      ? {}
      : { waitingFor: { modelId: bestWait.option.modelId, expectedWaitMs: bestWait.waitMs } };
  const reason =
    bestWait !== null && best !== null
      ? explainHold(task, now, bestWait.option, bestWait.waitMs, bestWait.why, best)
      : `${summariseExclusions(task, models, exclusions)}${
          bestWait === null
            ? ""
            : `; waiting for ${bestWait.option.modelId} (≈${formatDuration(bestWait.waitMs)})`
        }`;
  return { taskId: task.id, modelId: null, reason, scores, ...waitingFor };
}

/**
 * How long until a busy model could start this task: the end of its cooldown; for a full model,
 * the next slot to free (with c requests running, each a uniformly spread part of the way
 * through, the first ends after ≈ D ÷ (c + 1), and then one every D ÷ c), after the `ahead`
 * tasks waiting for it before this one (in this call, and elsewhere in the queue); for a
 * per-minute limit, the share of a minute each request (or this task's tokens) takes.
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
    const slots = Math.max(1, model.concurrency);
    wait = Math.max(wait, fit.durationMs / (slots + 1) + (ahead * fit.durationMs) / slots);
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

/** The better of two options: the higher score, then the lower fallback rank, then the lower model id. */
function better(a: Option, b: Option): boolean {
  if (a.scored.score !== b.scored.score) return a.scored.score > b.scored.score;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return compareIds(a.modelId, b.modelId) < 0;
}

/** Code-unit order, the same in every locale (localeCompare is not). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
