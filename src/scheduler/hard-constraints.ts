import type { ExclusionKind, ModelState, SchedulerTask } from "./scheduler-types.ts";

/**
 * The rules that make a model ineligible for a task, whatever it would score. Static rules depend
 * only on the task and the model's configuration; capacity rules also on what is running and on
 * what the current call has already handed out. The simulator's baseline routers
 * (bench/scheduler/) apply these same rules, so that every strategy chooses among the same models.
 */

export type { ExclusionKind };

export interface Exclusion {
  kind: ExclusionKind;
  reason: string;
}

/** Requests and tokens already handed to a model by the current call. */
export interface CallUsage {
  requests: number;
  tokens: number;
}

export const noUsage: Readonly<CallUsage> = Object.freeze({ requests: 0, tokens: 0 });

/** Kinds that pass with time (the model frees a slot, the minute rolls, the cooldown ends). */
export const waitableKinds: ReadonlySet<ExclusionKind> = new Set([
  "cooldown",
  "concurrency",
  "requests",
  "tokens",
]);

export function estimatedTokens(task: SchedulerTask): number {
  return task.estimatedInputTokens + task.estimatedOutputTokens;
}

/** Disabled, pinned elsewhere, missing a capability, too complex, too long, or out of budget. */
export function staticExclusion(task: SchedulerTask, model: ModelState): Exclusion | null {
  if (!model.enabled) return { kind: "disabled", reason: "disabled" };
  if (task.pinnedModel !== null && task.pinnedModel !== model.id) {
    return { kind: "pinned", reason: `task is pinned to ${task.pinnedModel}` };
  }
  for (const skill of task.capabilities) {
    const level = model.capabilities[skill] ?? 0;
    if (level < 1) return { kind: "capability", reason: `lacks capability '${skill}' (level ${level})` };
  }
  if (task.complexity > model.maxComplexity) {
    return {
      kind: "complexity",
      reason: `complexity ${task.complexity} is above its maximum ${model.maxComplexity}`,
    };
  }
  const tokens = estimatedTokens(task);
  if (tokens > model.contextWindow) {
    return {
      kind: "context",
      reason: `needs ≈${tokens.toLocaleString("en-US")} tokens, context window ${model.contextWindow.toLocaleString("en-US")}`,
    };
  }
  if (model.budgetExhausted !== null) return { kind: "budget", reason: model.budgetExhausted };
  return null;
}

/**
 * Cooling down, at its concurrency limit, or over its requests or tokens per minute, counting
 * what `used` says the current call has already given it.
 */
export function capacityExclusion(
  task: SchedulerTask,
  model: ModelState,
  used: Readonly<CallUsage>,
  now: number,
): Exclusion | null {
  if (model.cooldownUntil !== null && model.cooldownUntil > now) {
    const seconds = (model.cooldownUntil - now) / 1_000;
    return { kind: "cooldown", reason: `cooling down for ${seconds.toFixed(1)} s more` };
  }
  const running = model.inFlight + used.requests;
  if (running >= model.concurrency) {
    return {
      kind: "concurrency",
      reason: `at its concurrency limit (${running} of ${model.concurrency} in flight)`,
    };
  }
  const requests = model.requestsLastMinute + used.requests;
  if (model.requestsPerMinute !== null && requests + 1 > model.requestsPerMinute) {
    return {
      kind: "requests",
      reason: `would exceed ${model.requestsPerMinute} requests per minute (${requests} in the last minute)`,
    };
  }
  const tokens = model.tokensLastMinute + used.tokens;
  if (model.tokensPerMinute !== null && tokens + estimatedTokens(task) > model.tokensPerMinute) {
    return {
      kind: "tokens",
      reason: `would exceed ${model.tokensPerMinute.toLocaleString("en-US")} tokens per minute (${tokens.toLocaleString("en-US")} in the last minute)`,
    };
  }
  return null;
}

/** Every rule at once: what a router that only filters would check. */
export function exclusion(
  task: SchedulerTask,
  model: ModelState,
  used: Readonly<CallUsage>,
  now: number,
): Exclusion | null {
  return staticExclusion(task, model) ?? capacityExclusion(task, model, used, now);
}

/**
 * One line for a task that no model may take: the single cause when there is one ("every model is
 * at its concurrency limit", "no enabled model has capability 'code' at level ≥ 1"), else each
 * model's own reason.
 */
export function summariseExclusions(
  task: SchedulerTask,
  models: readonly ModelState[],
  exclusions: readonly Exclusion[],
): string {
  if (models.length === 0) return "no model is configured";
  const enabled = models.filter((model) => model.enabled);
  if (enabled.length === 0) return "every model is disabled";
  if (task.pinnedModel !== null) {
    const i = models.findIndex((model) => model.id === task.pinnedModel);
    if (i < 0) return `pinned to ${task.pinnedModel}, which is not configured`;
    return `pinned to ${task.pinnedModel}, which is ${exclusions[i]?.reason ?? "not eligible"}`;
  }
  for (const skill of task.capabilities) {
    if (!enabled.some((model) => (model.capabilities[skill] ?? 0) >= 1)) {
      return `no enabled model has capability '${skill}' at level ≥ 1`;
    }
  }
  // Disabled models say nothing about this task.
  const relevant = exclusions.filter((e) => e.kind !== "disabled");
  const waiting = relevant.filter((e) => waitableKinds.has(e.kind));
  if (waiting.length > 0) {
    const who = waiting.length === relevant.length ? "every model" : "every model that can take it";
    const kinds = new Set(waiting.map((e) => e.kind));
    const only = kinds.size === 1 ? waiting[0]!.kind : null;
    if (only === "concurrency") return `${who} is at its concurrency limit`;
    if (only === "cooldown") return `${who} is cooling down after a rate limit or a server error`;
    if (only === "requests") return `${who} is at its requests-per-minute limit`;
    if (only === "tokens") return `${who} is at its tokens-per-minute limit`;
    return `${who} is busy, cooling down or at a per-minute limit`;
  }
  const kinds = new Set(relevant.map((e) => e.kind));
  if (kinds.size === 1 && kinds.has("complexity")) {
    const highest = Math.max(...enabled.map((model) => model.maxComplexity));
    return `no enabled model takes complexity ${task.complexity} (the highest maximum is ${highest})`;
  }
  if (kinds.size === 1 && kinds.has("context")) {
    return `no enabled model has a context window for ≈${estimatedTokens(task).toLocaleString("en-US")} tokens`;
  }
  if (kinds.size === 1 && kinds.has("budget"))
    return `every model's budget is spent (${relevant[0]!.reason})`;
  const each = models.map((model, i) => `${model.id}: ${exclusions[i]?.reason ?? "not eligible"}`);
  return `no eligible model (${each.join("; ")})`;
}
