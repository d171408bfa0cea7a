import type { Queryable } from "../db/database.ts";
import type { ModelState } from "../scheduler/scheduler-types.ts";
import { anyCapability, learnBelief, priorCurve } from "../scheduler/success-curve.ts";
import type { ModelRegistry } from "./model-registry.ts";
import { exhaustedIdeas, modelStates, readModelWorld } from "./model-world.ts";

/** A model as `steward models`, GET /api/models and the dashboard show it: configuration and live state. */
export interface ModelStatus {
  id: string;
  provider: string;
  providerType: string;
  model: string;
  enabled: boolean;
  tags: string[];
  capabilities: Record<string, number>;
  maxComplexity: number;
  contextWindow: number;
  price: { inputPerMTok: number; outputPerMTok: number; source: string };
  /** Requests running now against the concurrency limit. */
  inFlight: number;
  concurrency: number;
  requestsLastMinute: number;
  requestsPerMinute: number | null;
  tokensLastMinute: number;
  tokensPerMinute: number | null;
  cooldown: { until: string; reason: string | null } | null;
  spend: {
    todayUsd: number;
    monthUsd: number;
    dailyBudgetUsd: number | null;
    monthlyBudgetUsd: number | null;
  };
  /** Why no new work goes to it for money reasons, if so. */
  budgetExhausted: string | null;
  /** Finished calls of the last hour: how many, how many succeeded, latency percentiles. */
  lastHour: { calls: number; succeeded: number; p50LatencyMs: number | null; p95LatencyMs: number | null };
  /** Learned per kind: attempts, success rate, mean duration of successes. */
  learned: { kind: string; attempts: number; successRate: number; meanDurationMs: number | null }[];
  /**
   * What the scheduler learned of its success (src/scheduler/success-curve.ts): per capability
   * it was judged on, the curve p = σ(offset + slope × gap), gap = level − complexity, before and
   * after learning, with the outcomes it was fitted to; and the kinds that differ from their curves.
   */
  successCurves: SuccessCurveView[];
  kindCorrections: { kind: string; logOdds: number; attempts: number }[];
  /** What the scheduler would see: "available", or why not. */
  state:
    | "available"
    | "disabled"
    | "cooling down"
    | "budget spent"
    | "at concurrency limit"
    | "at rate limit";
}

export interface SuccessCurveView {
  /** The capability, or "*" for tasks that require none (judged on the mean declared level). */
  capability: string;
  /** The model's declared level in it: a task of complexity c sits at gap level − c. */
  level: number;
  prior: { offset: number; slope: number };
  learned: { offset: number; slope: number };
  attempts: number;
  successes: number;
  /** Outcomes by gap, every kind together, lowest gap first. */
  points: { gap: number; attempts: number; successes: number }[];
}

export interface ModelsStatus {
  at: string;
  models: ModelStatus[];
  /** Idea budgets spent: idea key → reason. */
  exhaustedIdeas: Record<string, string>;
}

export async function getModelsStatus(db: Queryable, registry: ModelRegistry): Promise<ModelsStatus> {
  // Every model's spend, for the page; the ideas' only where a budget reads it.
  const world = await readModelWorld(db, [], { models: null, ideas: registry.budgeted().ideas });
  const now = world.now.getTime();
  const states = modelStates(registry, world, now);
  const { rows } = await db.query<{
    model_id: string;
    calls: number;
    succeeded: number;
    p50: number | null;
    p95: number | null;
  }>(
    `SELECT model_id, count(*)::int AS calls, count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) AS p95
       FROM model_calls WHERE finished_at IS NOT NULL AND started_at > now() - interval '1 hour'
      GROUP BY model_id`,
  );
  const hour = new Map(rows.map((r) => [r.model_id, r]));
  const spent = (id: string) => world.spend?.find((s) => s.scope === "model" && s.id === id);
  return {
    at: world.now.toISOString(),
    exhaustedIdeas: exhaustedIdeas(registry, world),
    models: states.map((state) => {
      const registered = registry.get(state.id)!;
      const h = hour.get(state.id);
      const cooldown = world.cooldowns?.[state.id];
      return {
        id: state.id,
        provider: state.provider,
        providerType: registered.provider.type,
        model: registered.config.model,
        enabled: state.enabled,
        tags: registered.config.tags,
        capabilities: state.capabilities,
        maxComplexity: state.maxComplexity,
        contextWindow: state.contextWindow,
        price: {
          inputPerMTok: state.inputPerMTok,
          outputPerMTok: state.outputPerMTok,
          source: registered.priceSource,
        },
        inFlight: state.inFlight,
        concurrency: state.concurrency,
        requestsLastMinute: state.requestsLastMinute,
        requestsPerMinute: state.requestsPerMinute,
        tokensLastMinute: state.tokensLastMinute,
        tokensPerMinute: state.tokensPerMinute,
        cooldown: cooldown ? { until: new Date(cooldown[0]).toISOString(), reason: cooldown[1] } : null,
        spend: {
          todayUsd: spent(state.id)?.day ?? 0,
          monthUsd: spent(state.id)?.month ?? 0,
          dailyBudgetUsd: registered.config.dailyBudgetUsd ?? null,
          monthlyBudgetUsd: registered.config.monthlyBudgetUsd ?? null,
        },
        budgetExhausted: state.budgetExhausted,
        lastHour: {
          calls: h?.calls ?? 0,
          succeeded: h?.succeeded ?? 0,
          p50LatencyMs: h?.p50 === null || h?.p50 === undefined ? null : Math.round(h.p50),
          p95LatencyMs: h?.p95 === null || h?.p95 === undefined ? null : Math.round(h.p95),
        },
        learned: Object.entries(state.stats)
          .map(([kind, s]) => ({
            kind,
            attempts: s.attempts,
            successRate: s.attempts === 0 ? 0 : s.successes / s.attempts,
            meanDurationMs: s.meanDurationMs === null ? null : Math.round(s.meanDurationMs),
          }))
          .sort((a, b) => a.kind.localeCompare(b.kind)),
        ...learnedCurves(state),
        state: stateOf(state, now),
      };
    }),
  };
}

/** What the overview shows of each model: its state and load, without the spend or the last hour. */
export type ModelGlance = Pick<
  ModelStatus,
  "id" | "providerType" | "enabled" | "inFlight" | "concurrency" | "budgetExhausted" | "state"
>;

/**
 * The models' states alone: the spend read only where a budget decides a state, and no look at
 * the last hour's calls (GET /api/overview reads this on every refresh).
 */
export async function getModelGlance(db: Queryable, registry: ModelRegistry): Promise<ModelGlance[]> {
  const world = await readModelWorld(db, [], registry.budgeted());
  const now = world.now.getTime();
  return modelStates(registry, world, now).map((state) => ({
    id: state.id,
    providerType: registry.get(state.id)!.provider.type,
    enabled: state.enabled,
    inFlight: state.inFlight,
    concurrency: state.concurrency,
    budgetExhausted: state.budgetExhausted,
    state: stateOf(state, now),
  }));
}

/** The model's success curves and kind corrections, as the scheduler fits them on every assignment. */
function learnedCurves(state: ModelState): Pick<ModelStatus, "successCurves" | "kindCorrections"> {
  const counts = state.successCounts ?? [];
  const belief = learnBelief(counts);
  const levels = Object.values(state.capabilities);
  const meanLevel = levels.length === 0 ? 5 : levels.reduce((sum, l) => sum + l, 0) / levels.length;
  const successCurves = Object.entries(belief.curves)
    .map(([capability, curve]): SuccessCurveView => {
      const byGap = new Map<number, { gap: number; attempts: number; successes: number }>();
      for (const row of counts.filter((c) => c.capability === capability)) {
        const point = byGap.get(row.gap) ?? { gap: row.gap, attempts: 0, successes: 0 };
        point.attempts += row.attempts;
        point.successes += row.successes;
        byGap.set(row.gap, point);
      }
      return {
        capability,
        level: capability === anyCapability ? meanLevel : (state.capabilities[capability] ?? 0),
        prior: { ...priorCurve },
        learned: { offset: curve.offset, slope: curve.slope },
        attempts: curve.attempts,
        successes: curve.successes,
        points: [...byGap.values()].sort((a, b) => a.gap - b.gap),
      };
    })
    .sort((a, b) => (a.capability < b.capability ? -1 : a.capability > b.capability ? 1 : 0));
  const kindCorrections = Object.entries(belief.kinds)
    .map(([kind, k]) => ({ kind, logOdds: k.logOdds, attempts: k.attempts }))
    .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  return { successCurves, kindCorrections };
}

function stateOf(state: ModelState, now: number): ModelStatus["state"] {
  if (!state.enabled) return "disabled";
  if (state.budgetExhausted !== null) return "budget spent";
  if (state.cooldownUntil !== null && state.cooldownUntil > now) return "cooling down";
  if (state.inFlight >= state.concurrency) return "at concurrency limit";
  if (state.requestsPerMinute !== null && state.requestsLastMinute >= state.requestsPerMinute)
    return "at rate limit";
  if (state.tokensPerMinute !== null && state.tokensLastMinute >= state.tokensPerMinute)
    return "at rate limit";
  return "available";
}
