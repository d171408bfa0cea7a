import {
  type CallUsage,
  capacityExclusion,
  estimatedTokens,
  noUsage,
  staticExclusion,
} from "../../src/scheduler/hard-constraints.ts";
import type { ExclusionKind, ModelState, SchedulerTask } from "../../src/scheduler/scheduler-types.ts";
import { declaredLevel, firstInIdOrder, lowest, price } from "./model-choice.ts";
import type { Decisions, Hold, Pick, Strategy } from "./strategies.ts";

/**
 * Not LiteLLM strategies: the static rules a careful operator would write by hand, as references.
 * They read the same declared capabilities as Steward's prior, and learn nothing about quality.
 */

/**
 * capability-tiers: the cheapest eligible model whose declared level is at least the task's
 * complexity; when none is, the most capable eligible one (then the cheapest).
 */
export function capabilityTier(task: SchedulerTask, eligible: ModelState[]): ModelState {
  const able = eligible.filter((m) => declaredLevel(task, m) >= task.complexity);
  if (able.length > 0) return lowest(able, price, firstInIdOrder);
  return strongestCapable(task, eligible);
}

/** strongest-capable-waits' choice: the most capable model (highest declared level), then the cheapest. */
export function strongestCapable(task: SchedulerTask, models: ModelState[]): ModelState {
  const best = Math.max(...models.map((m) => declaredLevel(task, m)));
  return lowest(
    models.filter((m) => declaredLevel(task, m) === best),
    price,
    firstInIdOrder,
  );
}

/**
 * A rule that picks its model among those the static constraints allow (disabled, pinned,
 * capability, complexity, context, budget), busy or not, and waits for it: a task whose model has
 * no capacity now is held for that model rather than given to another.
 *
 * - cheapest-capable-waits: capability-tiers' choice, made before capacity is looked at;
 * - strongest-capable-waits: the most capable model (highest declared level, then cheapest).
 *
 * The expected wait, as the scheduler reckons it: for a full model, its next slot to free with c
 * requests running, each a uniformly spread part of the way through (the mean attempt time D ÷
 * (c + 1)), then D ÷ c more per task held for it ahead of this one (ModelState.waiting, and those
 * held earlier in this call), D being what its attempts have taken so far, or production's
 * latency prior until it has answered once; a cooldown's rest; for a per-minute limit, the share
 * of a minute one request (or these tokens) takes.
 */
export function capableWaits(name: string, choose: typeof capabilityTier): Strategy {
  const attemptMs = new Map<string, { total: number; count: number }>();
  const meanAttemptMs = (task: SchedulerTask, model: ModelState) => {
    const seen = attemptMs.get(model.id);
    return seen === undefined
      ? model.baseLatencyMs + model.perOutputTokenMs * task.estimatedOutputTokens
      : seen.total / seen.count;
  };
  return {
    name,
    assign({ now, tasks, models }): Decisions {
      const used = new Map<string, CallUsage>();
      const heldHere = new Map<string, number>();
      const picks: Pick[] = [];
      const holds: Hold[] = [];
      for (const task of tasks) {
        const allowed = models.filter((m) => staticExclusion(task, m) === null);
        if (allowed.length === 0) continue;
        const model = choose(task, allowed);
        const usage = used.get(model.id) ?? noUsage;
        const blocked = capacityExclusion(task, model, usage, now);
        if (blocked === null) {
          used.set(model.id, { requests: usage.requests + 1, tokens: usage.tokens + estimatedTokens(task) });
          picks.push({ taskId: task.id, modelId: model.id });
          continue;
        }
        const ahead = (model.waiting ?? 0) + (heldHere.get(model.id) ?? 0);
        heldHere.set(model.id, (heldHere.get(model.id) ?? 0) + 1);
        const expectedWaitMs = expectedWait(
          blocked.kind,
          task,
          model,
          now,
          meanAttemptMs(task, model),
          ahead,
        );
        holds.push({ taskId: task.id, waitingFor: { modelId: model.id, expectedWaitMs } });
      }
      return { picks, holds };
    },
    observe({ modelId, outcome }) {
      // A 429 comes back at once: it says nothing of how long the model's work takes.
      if (outcome.kind === "rate_limited") return;
      const seen = attemptMs.get(modelId) ?? { total: 0, count: 0 };
      attemptMs.set(modelId, { total: seen.total + outcome.latencyMs, count: seen.count + 1 });
    },
  };
}

function expectedWait(
  blocked: ExclusionKind,
  task: SchedulerTask,
  model: ModelState,
  now: number,
  meanAttemptMs: number,
  ahead: number,
): number {
  switch (blocked) {
    case "cooldown":
      return (model.cooldownUntil ?? now) - now;
    case "requests":
      return 60_000 / (model.requestsPerMinute ?? 60);
    case "tokens":
      return (60_000 * estimatedTokens(task)) / (model.tokensPerMinute ?? estimatedTokens(task));
    default:
      return meanAttemptMs / (model.concurrency + 1) + (ahead * meanAttemptMs) / model.concurrency;
  }
}
