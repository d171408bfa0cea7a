import type { Clock } from "../clock.ts";
import type { Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { quantileOf, sumCounts } from "./histogram.ts";
import { type StatsWindow, statsWindow } from "./stats-window.ts";

export const statsDimensions = ["stage", "kind", "model", "idea"] as const;
export type StatsDimension = (typeof statsDimensions)[number];

export interface MeasuresQuery {
  window: StatsWindow;
  /** Group by this; without it, one row for everything in the window. */
  by?: StatsDimension;
  stage?: string[];
  kind?: string[];
  /** Model ids; `none` for attempts that ran on no model. */
  model?: string[];
  /**
   * A name no rollup has counted: refused, naming those that exist (the default: a person asked
   * for it), or measured as nothing (targets: a stage with no attempt yet has no data, not an error).
   */
  unknownNames?: "refuse" | "measure";
}

export interface Percentiles {
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** What the finished attempts of a window add up to, for one group (or all: group null). */
export interface Measures {
  group: string | null;
  attempts: number;
  succeeded: number;
  /** Attempts that failed, timed out or lost their lease. */
  failed: number;
  cancelled: number;
  released: number;
  retries: number;
  /** Tasks whose last attempt failed for good. */
  tasksFailed: number;
  deadlineMisses: number;
  /** Answers a model gave as done that failed the task's check (its output schema). */
  unverified: number;
  /**
   * Trust inflation: of the attempts whose model reported success, the share that was not
   * verified (unverified ÷ (succeeded + unverified)). docs/indicators.md.
   */
  trustInflation: number | null;
  /** Of the attempts that ran to an end (succeeded or failed), the share that succeeded. */
  successRate: number | null;
  failureRate: number | null;
  /** The share of attempts that were not a task's first. */
  retryRate: number | null;
  attemptsPerSuccess: number | null;
  /** Successes per minute over the window. */
  throughputPerMinute: number;
  durationMs: Percentiles;
  queueWaitMs: Percentiles;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costPerSuccessUsd: number | null;
}

export interface MeasuresAnswer {
  window: { from: string; to: string; grain: StatsWindow["grain"] };
  by: StatsDimension | null;
  rows: Measures[];
}

interface SumsRow {
  grp: string | null;
  attempts: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  released: number;
  retries: number;
  tasks_failed: number;
  deadline_misses: number;
  unverified: number;
  duration_ms: number;
  queue_wait_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  duration_hist: number[] | null;
  queue_wait_hist: number[] | null;
}

type Lists = { duration_hist: number[][] | null; queue_wait_hist: number[][] | null };

const sums = `sum(attempts)::float8 AS attempts, sum(succeeded)::float8 AS succeeded,
  sum(failed + timed_out + lease_lost)::float8 AS failed, sum(cancelled)::float8 AS cancelled,
  sum(released)::float8 AS released, sum(retries)::float8 AS retries,
  sum(tasks_failed)::float8 AS tasks_failed, sum(deadline_misses)::float8 AS deadline_misses,
  sum(unverified)::float8 AS unverified,
  sum(duration_ms) AS duration_ms, sum(queue_wait_ms) AS queue_wait_ms,
  sum(input_tokens)::float8 AS input_tokens, sum(output_tokens)::float8 AS output_tokens,
  sum(cost_usd)::float8 AS cost_usd`;

const filters = (r: string) => `${r}.grain = $1 AND ${r}.bucket_start >= $2 AND ${r}.bucket_start < $3
  AND ($4::text[] IS NULL OR ${r}.stage = ANY ($4)) AND ($5::text[] IS NULL OR ${r}.kind = ANY ($5))
  AND ($6::text[] IS NULL OR ${r}.model = ANY ($6))`;

const groupColumn: Record<Exclude<StatsDimension, "idea">, string> = {
  stage: "r.stage",
  kind: "r.kind",
  model: "NULLIF(r.model, '')",
};

/**
 * The measures of a window from the rollups (migration 0010), grouped by stage, kind, model or
 * idea. By idea they come from the hourly idea rollups, which keep no histograms: their
 * percentiles are null, and a window shorter than an hour reads whole hours.
 */
export async function readMeasures(db: Queryable, query: MeasuresQuery): Promise<MeasuresAnswer> {
  if (query.unknownNames !== "measure") await refuseUnknownNames(db, query);
  const { window, by } = query;
  const models = query.model?.map((m) => (m === "none" ? "" : m)) ?? null;
  const params = [
    by === "idea" && window.grain === "minute" ? "hour" : window.grain,
    window.from,
    window.to,
    query.stage ?? null,
    query.kind ?? null,
    models,
  ];
  const sql =
    by === "idea"
      ? `SELECT i.key AS grp, ${sums}, NULL::integer[] AS duration_hist, NULL::integer[] AS queue_wait_hist
           FROM idea_rollups r JOIN ideas i ON i.id = r.idea_id
          WHERE ${filters("r")}
          GROUP BY i.key ORDER BY i.key`
      : `SELECT ${by === undefined ? "NULL::text" : groupColumn[by]} AS grp, ${sums},
                json_agg(duration_hist) AS duration_hist, json_agg(queue_wait_hist) AS queue_wait_hist
           FROM task_rollups r WHERE ${filters("r")}
          GROUP BY 1 ORDER BY 1 NULLS FIRST`;
  const { rows } = await db.query<{ answer: string | null }>(
    `SELECT json_agg(x)::text AS answer FROM (${sql}) x`,
    params,
  );
  const minutes = (window.to.getTime() - window.from.getTime()) / 60_000;
  // Each group's histograms come as the list of its rows' (summed here: see sumCounts).
  const found = (JSON.parse(rows[0]?.answer ?? "[]") as (Omit<SumsRow, `${string}_hist`> & Lists)[]).map(
    (r): SumsRow => ({
      ...r,
      duration_hist: sumCounts(r.duration_hist),
      queue_wait_hist: sumCounts(r.queue_wait_hist),
    }),
  );
  const measured = found.filter((r) => r.attempts > 0).map((r) => toMeasures(r, minutes));
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString(), grain: window.grain },
    by: by ?? null,
    rows: by === undefined && measured.length === 0 ? [toMeasures(emptySums, minutes)] : measured,
  };
}

const emptySums: SumsRow = {
  grp: null,
  attempts: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  released: 0,
  retries: 0,
  tasks_failed: 0,
  deadline_misses: 0,
  unverified: 0,
  duration_ms: 0,
  queue_wait_ms: 0,
  input_tokens: 0,
  output_tokens: 0,
  cost_usd: 0,
  duration_hist: null,
  queue_wait_hist: null,
};

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function toMeasures(r: SumsRow, minutes: number): Measures {
  const ended = r.succeeded + r.failed;
  return {
    group: r.grp,
    attempts: r.attempts,
    succeeded: r.succeeded,
    failed: r.failed,
    cancelled: r.cancelled,
    released: r.released,
    retries: r.retries,
    tasksFailed: r.tasks_failed,
    deadlineMisses: r.deadline_misses,
    unverified: r.unverified,
    trustInflation: ratio(r.unverified, r.succeeded + r.unverified),
    successRate: ratio(r.succeeded, ended),
    failureRate: ratio(r.failed, ended),
    retryRate: ratio(r.retries, r.attempts),
    attemptsPerSuccess: ratio(r.attempts - r.released, r.succeeded),
    throughputPerMinute: minutes > 0 ? r.succeeded / minutes : 0,
    durationMs: percentiles(r.duration_ms, r.attempts, r.duration_hist),
    queueWaitMs: percentiles(r.queue_wait_ms, r.attempts, r.queue_wait_hist),
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost_usd,
    costPerSuccessUsd: ratio(r.cost_usd, r.succeeded),
  };
}

function percentiles(sumMs: number, count: number, hist: number[] | null): Percentiles {
  return {
    avg: ratio(sumMs, count),
    p50: hist === null ? null : quantileOf(hist, 0.5),
    p95: hist === null ? null : quantileOf(hist, 0.95),
    p99: hist === null ? null : quantileOf(hist, 0.99),
  };
}

/** A stage, kind or model that no rollup has ever counted is refused, naming those that exist. */
async function refuseUnknownNames(db: Queryable, query: MeasuresQuery): Promise<void> {
  const asked = { stage: query.stage, kind: query.kind, model: query.model } as const;
  if (!Object.values(asked).some((names) => names !== undefined && names.length > 0)) return;
  const { rows } = await db.query<{ answer: string }>(
    `SELECT json_build_object(
       'stage', (SELECT json_agg(DISTINCT stage) FROM task_rollups WHERE grain = 'day'),
       'kind', (SELECT json_agg(DISTINCT kind) FROM task_rollups WHERE grain = 'day'),
       'model', (SELECT json_agg(DISTINCT CASE WHEN model = '' THEN 'none' ELSE model END) FROM task_rollups WHERE grain = 'day')
     )::text AS answer`,
  );
  const known = JSON.parse(rows[0]!.answer) as Record<keyof typeof asked, string[] | null>;
  const problems = (Object.keys(asked) as (keyof typeof asked)[]).flatMap((path) =>
    (asked[path] ?? [])
      .filter((name) => !(known[path] ?? []).includes(name))
      .map((name) => ({
        path,
        message: `no attempt of ${path} "${name}" was ever counted; counted: ${(known[path] ?? []).join(", ") || "none yet"}`,
      })),
  );
  if (problems.length > 0)
    throw new StewardError(
      "validation_failed",
      `Nothing to measure for ${problems.map((p) => p.message).join("; ")}.`,
      { details: { problems } },
    );
}

/** A stats request as the CLI and the API pass it: a window in words, a grouping and filters. */
export interface StatsRequest {
  since?: string;
  until?: string;
  by?: StatsDimension;
  stage?: string[];
  kind?: string[];
  model?: string[];
}

/** `steward stats` and `GET /api/stats`: the request's window read at the clock's now. */
export function measureTasks(db: Queryable, clock: Clock, request: StatsRequest): Promise<MeasuresAnswer> {
  const { since, until, ...rest } = request;
  return readMeasures(db, { ...rest, window: statsWindow(since, until, clock.now()) });
}
