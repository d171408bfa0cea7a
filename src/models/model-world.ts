import type { Queryable } from "../db/database.ts";
import type { ModelKindStats, ModelState, SuccessCount } from "../scheduler/scheduler-types.ts";
import type { ModelRegistry, SpendScopes } from "./model-registry.ts";

/**
 * The models as the database says they stand, read in one statement (requests in flight, the
 * minute's requests and tokens, cooldowns, spend, what was learned, the tasks waiting for each),
 * and as the scheduler sees them (ModelState): what assignment decides from, and what
 * `steward models`, GET /api/models and the FSAR assessors show.
 */
/** What the database says about models and the claimed tasks, read in one statement. */
export interface ModelWorld {
  now: Date;
  tasks: { id: number; pinned_model: string | null; idea_key: string | null }[];
  inflight: Record<string, number> | null;
  minute: Record<string, [number, number]> | null;
  cooldowns: Record<string, [string, string | null]> | null;
  /** Spend of finished attempts today and this month (UTC), from the daily rollups (migration 0010). */
  spend: { scope: "model" | "idea"; id: string; day: number | null; month: number }[] | null;
  stats: [string, string, number, number, number | null, number | null, number | null][] | null;
  /** model_success_counts: [model, capability, kind, gap, attempts, successes]. */
  curves: [string, string, string, number, number, number][] | null;
  /** Queued tasks (other than the claimed ones) waiting for each model. */
  waiting: Record<string, number> | null;
}

/**
 * What assignment decides from, in one statement. Spend is read only for `spend`'s models and
 * ideas: a month of day rollups is thousands of rows late in the month (docs/benchmarks.md,
 * "Telemetry at a million tasks"), and assignment runs on every claim of model work.
 */
export async function readModelWorld(
  tx: Queryable,
  taskIds: number[],
  spend: SpendScopes,
): Promise<ModelWorld> {
  const { rows } = await tx.query<{ world: string }>(worldSql, [taskIds, spend.models, spend.ideas]);
  const world = JSON.parse(rows[0]!.world) as Omit<ModelWorld, "now"> & { now: string };
  return { ...world, now: new Date(world.now) };
}

/** Requests in flight per model, from the database: what every process sees alike (GET /metrics reads it). */
export async function modelsInFlight(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ ai_model: string; n: number }>(
    `${inFlightSql} GROUP BY ai_model ORDER BY ai_model`,
  );
  return Object.fromEntries(rows.map((r) => [r.ai_model, r.n]));
}

// Requests in flight are the running tasks with a model (a worker that died stops counting when
// its lease expires), found among the tasks of recorded claims (there is no index on running
// tasks, migration 0008).
const inFlightSql = `SELECT ai_model, count(*)::int AS n FROM execution_tasks
                  WHERE id = ANY (ARRAY(SELECT unnest(task_ids) FROM task_claims))
                    AND status = 'running' AND ai_model IS NOT NULL`;

// The claimed tasks themselves are left out of the requests in flight: they are being assigned now.
const worldSql = `
SELECT json_build_object(
  'now', now(),
  'tasks', (SELECT json_agg(json_build_object('id', t.id, 'pinned_model', t.pinned_model, 'idea_key', i.key))
              FROM execution_tasks t LEFT JOIN ideas i ON i.id = t.idea_id WHERE t.id = ANY($1::bigint[])),
  'inflight', (SELECT json_object_agg(ai_model, n) FROM (
                 ${inFlightSql} AND id <> ALL ($1::bigint[]) GROUP BY ai_model) x),
  'minute', (SELECT json_object_agg(model_id, json_build_array(n, tokens)) FROM (
               SELECT model_id, count(*) AS n,
                      sum(CASE WHEN finished_at IS NULL THEN estimated_tokens ELSE input_tokens + output_tokens END) AS tokens
                 FROM model_calls WHERE started_at > now() - interval '60 seconds' GROUP BY model_id) m),
  'cooldowns', (SELECT json_object_agg(model_id, json_build_array(cooldown_until, cooldown_reason))
                  FROM model_runtime WHERE cooldown_until > now()),
  'spend', (SELECT json_agg(json_build_object('scope', scope, 'id', id, 'day', day, 'month', month)) FROM (
              SELECT 'model' AS scope, r.model AS id,
                     (sum(r.cost_usd) FILTER (WHERE r.bucket_start >= date_bin('1 day', now(), timestamptz '2000-01-01 00:00Z')))::float8 AS day,
                     sum(r.cost_usd)::float8 AS month
                FROM task_rollups r
               WHERE r.grain = 'day' AND r.bucket_start >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                 AND r.model <> '' AND r.cost_usd > 0
                 AND COALESCE(cardinality($2::text[]), 1) > 0 AND ($2::text[] IS NULL OR r.model = ANY ($2::text[]))
               GROUP BY r.model
              UNION ALL
              SELECT 'idea', i.key,
                     (sum(r.cost_usd) FILTER (WHERE r.bucket_start >= date_bin('1 day', now(), timestamptz '2000-01-01 00:00Z')))::float8,
                     sum(r.cost_usd)::float8
                FROM idea_rollups r JOIN ideas i ON i.id = r.idea_id
               WHERE r.grain = 'day' AND r.bucket_start >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                 AND r.cost_usd > 0 AND cardinality($3::text[]) > 0 AND i.key = ANY ($3::text[])
                 AND r.idea_id = ANY (ARRAY(SELECT id FROM ideas WHERE key = ANY ($3::text[])))
               GROUP BY i.key) b),
  'stats', (SELECT json_agg(json_build_array(model_id, kind, attempts, successes, mean_duration_ms,
                                             expected_successes, mean_duration_ratio)) FROM model_kind_stats),
  'curves', (SELECT json_agg(json_build_array(model_id, capability, kind, gap, attempts, successes)
                               ORDER BY model_id, capability, kind, gap) FROM model_success_counts),
  -- Read through execution_tasks_waiting_for_idx (migrations 0018, 0019): only tasks that wait for a model.
  'waiting', (SELECT json_object_agg(waiting_for, n) FROM (
                SELECT waiting_for, count(*) AS n FROM execution_tasks
                 WHERE waiting_for IS NOT NULL AND waiting_status = 'queued' AND id <> ALL ($1::bigint[])
                 GROUP BY waiting_for) w)
)::text AS world`;

/** Spend caps reached: for a model, its own or its provider's. */
function budgetReason(
  registry: ModelRegistry,
  world: ModelWorld,
  modelId: string,
  providerId: string,
): string | null {
  const spent = (id: string) => world.spend?.find((s) => s.scope === "model" && s.id === id);
  // A provider's spend is its models' (the rollups count by model; a model no longer configured
  // no longer counts toward its old provider).
  const providerSpent = (period: "day" | "month") =>
    registry
      .all()
      .filter((m) => m.provider.id === providerId)
      .reduce((sum, m) => sum + (spent(m.config.id)?.[period] ?? 0), 0);
  const model = registry.get(modelId)!.config;
  const providerBudget = registry.providerBudget(providerId);
  const checks: [number | undefined, number | null | undefined, string][] = [
    [model.dailyBudgetUsd, spent(modelId)?.day, `model ${modelId}: daily budget`],
    [model.monthlyBudgetUsd, spent(modelId)?.month, `model ${modelId}: monthly budget`],
    [providerBudget?.dailyUsd, providerSpent("day"), `provider ${providerId}: daily budget`],
    [providerBudget?.monthlyUsd, providerSpent("month"), `provider ${providerId}: monthly budget`],
  ];
  for (const [cap, spentUsd, what] of checks) {
    const used = spentUsd ?? 0;
    if (cap !== undefined && used >= cap) return `${what} spent ($${used.toFixed(2)} of $${cap.toFixed(2)})`;
  }
  return null;
}

/** Ideas whose budget is spent: idea key → reason. */
export function exhaustedIdeas(registry: ModelRegistry, world: ModelWorld): Record<string, string> {
  const out: Record<string, string> = {};
  for (const budget of registry.ideaBudgets()) {
    const spent = world.spend?.find((s) => s.scope === "idea" && s.id === budget.id);
    if (budget.dailyUsd !== undefined && (spent?.day ?? 0) >= budget.dailyUsd)
      out[budget.id] =
        `idea ${budget.id}: daily budget spent ($${(spent?.day ?? 0).toFixed(2)} of $${budget.dailyUsd.toFixed(2)})`;
    else if (budget.monthlyUsd !== undefined && (spent?.month ?? 0) >= budget.monthlyUsd)
      out[budget.id] =
        `idea ${budget.id}: monthly budget spent ($${(spent?.month ?? 0).toFixed(2)} of $${budget.monthlyUsd.toFixed(2)})`;
  }
  return out;
}

/** Every configured model as the scheduler sees it now. */
export function modelStates(registry: ModelRegistry, world: ModelWorld, now: number): ModelState[] {
  const stats = new Map<string, Record<string, ModelKindStats>>();
  for (const [modelId, kind, attempts, successes, meanDurationMs, expected, ratio] of world.stats ?? []) {
    const forModel = stats.get(modelId) ?? {};
    forModel[kind] = {
      attempts,
      successes,
      meanDurationMs,
      ...(expected === null ? {} : { expectedSuccesses: expected }),
      ...(ratio === null ? {} : { meanDurationRatio: ratio }),
    };
    stats.set(modelId, forModel);
  }
  const counts = new Map<string, SuccessCount[]>();
  for (const [modelId, capability, kind, gap, attempts, successes] of world.curves ?? []) {
    const forModel = counts.get(modelId) ?? [];
    forModel.push({ capability, kind, gap, attempts, successes });
    counts.set(modelId, forModel);
  }
  return registry.all().map(({ config, provider, price }) => {
    const cooldown = world.cooldowns?.[config.id];
    const [requests, tokens] = world.minute?.[config.id] ?? [0, 0];
    return {
      id: config.id,
      provider: provider.id,
      enabled: config.enabled,
      capabilities: config.capabilities,
      maxComplexity: config.maxComplexity,
      contextWindow: config.contextWindow,
      inputPerMTok: price.inputPerMTok,
      outputPerMTok: price.outputPerMTok,
      concurrency: config.concurrency,
      inFlight: world.inflight?.[config.id] ?? 0,
      requestsPerMinute: config.requestsPerMinute ?? null,
      requestsLastMinute: requests,
      tokensPerMinute: config.tokensPerMinute ?? null,
      tokensLastMinute: Number(tokens),
      cooldownUntil: cooldown ? Math.max(now, new Date(cooldown[0]).getTime()) : null,
      budgetExhausted: budgetReason(registry, world, config.id, provider.id),
      fallback: config.fallback,
      baseLatencyMs: config.sim?.baseLatencyMs ?? 1_000,
      perOutputTokenMs: config.sim?.perOutputTokenMs ?? 20,
      stats: stats.get(config.id) ?? {},
      successCounts: counts.get(config.id) ?? [],
      waiting: world.waiting?.[config.id] ?? 0,
    };
  });
}
