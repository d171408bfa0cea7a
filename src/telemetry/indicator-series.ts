import type { Queryable } from "../db/database.ts";
import { quantileOf, sumCounts } from "./histogram.ts";
import { type Grain, type StatsWindow, statsWindow } from "./stats-window.ts";

/**
 * The leading indicators (docs/indicators.md): each a series, one value per rollup bucket, for one
 * scope (a stage, a kind, a model, or a model and kind). A bucket with nothing to measure (no
 * attempt, or no success for a cost per success) has no value: it is left out, not zero.
 */
export const indicatorNames = [
  "duration",
  "error_rate",
  "retry_ratio",
  "queue_wait",
  "cost_per_success",
  "output_length",
  "trust_inflation",
  // Read from outside the task rollups, by a reader the shells pass in (the money domain's).
  "payment_failure_rate",
  "checkout_conversion",
] as const;
export type IndicatorName = (typeof indicatorNames)[number];

/** The indicators the task rollups measure; the others come from the readers passed in. */
const rollupIndicators: readonly IndicatorName[] = indicatorNames.filter(
  (n) => n !== "payment_failure_rate" && n !== "checkout_conversion",
);

/**
 * Another domain's indicators, as series per bucket of a grain (a minute, an hour, a day), for
 * change detection to watch beside the task rollups' (src/app/indicator-readers.ts assembles them).
 */
export type IndicatorReader = (
  db: Queryable,
  options: { grain: Grain; from: Date; to: Date },
) => Promise<IndicatorSeries[]>;

/** Which scope each indicator is watched in, and whether a rise or a fall is the worse direction. */
export const indicatorScopes: Record<
  IndicatorName,
  { by: ("stage" | "kind" | "model")[]; worse: "up" | "down" }
> = {
  duration: { by: ["stage"], worse: "up" },
  error_rate: { by: ["stage", "kind"], worse: "up" },
  retry_ratio: { by: ["stage"], worse: "up" },
  queue_wait: { by: ["stage"], worse: "up" },
  cost_per_success: { by: ["stage", "model"], worse: "up" },
  output_length: { by: ["model"], worse: "up" },
  trust_inflation: { by: ["model", "kind"], worse: "up" },
  payment_failure_rate: { by: [], worse: "up" },
  checkout_conversion: { by: [], worse: "down" },
};

export interface Scope {
  stage?: string;
  kind?: string;
  model?: string;
}

export interface BucketSums {
  at: string;
  attempts: number;
  succeeded: number;
  failed: number;
  retries: number;
  unverified: number;
  durationMs: number;
  queueWaitMs: number;
  outputTokens: number;
  costUsd: number;
  durationP95Ms: number | null;
}

export interface ScopedBuckets {
  scope: Scope;
  buckets: BucketSums[];
}

/** The value of an indicator in one bucket; null when the bucket has nothing to measure. */
export function indicatorValue(name: IndicatorName, b: BucketSums): number | null {
  const ratio = (a: number, c: number) => (c > 0 ? a / c : null);
  switch (name) {
    case "duration":
      return ratio(b.durationMs, b.attempts);
    case "error_rate":
      return ratio(b.failed, b.succeeded + b.failed);
    case "retry_ratio":
      return ratio(b.retries, b.attempts);
    case "queue_wait":
      return ratio(b.queueWaitMs, b.attempts);
    case "cost_per_success":
      return b.costUsd > 0 ? ratio(b.costUsd, b.succeeded) : null;
    case "output_length":
      return b.outputTokens > 0 ? ratio(b.outputTokens, b.succeeded) : null;
    case "trust_inflation":
      return ratio(b.unverified, b.succeeded + b.unverified);
    default:
      return null;
  }
}

/**
 * Bucket sums from `from` to `to` at a grain, split by the given dimensions (a model of ''
 * is "none"). One query; the histograms are merged per bucket only for the p95 of duration.
 */
export async function readScopedBuckets(
  db: Queryable,
  options: { grain: Grain; from: Date; to: Date; by: ("stage" | "kind" | "model")[] },
): Promise<ScopedBuckets[]> {
  const dims = options.by.map((d) => (d === "model" ? "CASE WHEN model = '' THEN 'none' ELSE model END" : d));
  const select = options.by.map((d, i) => `${dims[i]} AS ${d}`).join(", ");
  const group = dims.length > 0 ? `${dims.join(", ")}, ` : "";
  const { rows } = await db.query<{ answer: string | null }>(
    `SELECT json_agg(x ORDER BY ${options.by.length > 0 ? `${options.by.join(", ")}, ` : ""}at)::text AS answer FROM (
       SELECT ${select}${select ? ", " : ""}bucket_start AS at,
              sum(attempts)::float8 AS attempts, sum(succeeded)::float8 AS succeeded,
              sum(failed + timed_out + lease_lost)::float8 AS failed, sum(retries)::float8 AS retries,
              sum(unverified)::float8 AS unverified, sum(duration_ms) AS duration_ms,
              sum(queue_wait_ms) AS queue_wait_ms, sum(output_tokens)::float8 AS output_tokens,
              sum(cost_usd)::float8 AS cost_usd, json_agg(duration_hist) AS duration_hist
         FROM task_rollups
        WHERE grain = $1 AND bucket_start >= $2 AND bucket_start < $3
        GROUP BY ${group}bucket_start) x`,
    [options.grain, options.from, options.to],
  );
  type Row = Record<string, unknown> & {
    at: string;
    attempts: number;
    succeeded: number;
    failed: number;
    retries: number;
    unverified: number;
    duration_ms: number;
    queue_wait_ms: number;
    output_tokens: number;
    cost_usd: number;
    duration_hist: number[][] | null;
  };
  const found = JSON.parse(rows[0]?.answer ?? "[]") as Row[];
  const scoped = new Map<string, ScopedBuckets>();
  for (const row of found) {
    const scope: Scope = Object.fromEntries(options.by.map((d) => [d, String(row[d])]));
    const key = JSON.stringify(scope);
    const entry = scoped.get(key) ?? { scope, buckets: [] };
    scoped.set(key, entry);
    entry.buckets.push({
      at: new Date(row.at).toISOString(),
      attempts: row.attempts,
      succeeded: row.succeeded,
      failed: row.failed,
      retries: row.retries,
      unverified: row.unverified,
      durationMs: row.duration_ms,
      queueWaitMs: row.queue_wait_ms,
      outputTokens: row.output_tokens,
      costUsd: row.cost_usd,
      durationP95Ms: quantileOfMerged(sumCounts(row.duration_hist)),
    });
  }
  return [...scoped.values()];
}

export interface IndicatorSeries {
  indicator: IndicatorName;
  scope: Scope;
  points: { at: string; value: number }[];
}

/** Every indicator in each of its scopes over a window: what change detection watches. */
export async function readIndicatorSeries(
  db: Queryable,
  options: {
    grain: Grain;
    from: Date;
    to: Date;
    indicators?: readonly IndicatorName[];
    readers?: readonly IndicatorReader[];
  },
): Promise<IndicatorSeries[]> {
  const asked = options.indicators ?? indicatorNames;
  const wanted = asked.filter((n) => rollupIndicators.includes(n));
  const byKey = new Map<string, ("stage" | "kind" | "model")[]>();
  for (const name of wanted) byKey.set(indicatorScopes[name].by.join(","), indicatorScopes[name].by);
  const series: IndicatorSeries[] = [];
  for (const by of byKey.values()) {
    const scoped = await readScopedBuckets(db, { ...options, by });
    for (const name of wanted.filter((n) => indicatorScopes[n].by.join(",") === by.join(",")))
      for (const { scope, buckets } of scoped) {
        const points = buckets.flatMap((b) => {
          const value = indicatorValue(name, b);
          return value === null ? [] : [{ at: b.at, value }];
        });
        if (points.length > 0) series.push({ indicator: name, scope, points });
      }
  }
  for (const read of options.readers ?? [])
    for (const found of await read(db, options))
      if (asked.includes(found.indicator) && found.points.length > 0) series.push(found);
  return series;
}

/** `GET /api/indicators`: every indicator's series over a window in words (see statsWindow). */
export function indicatorSeriesOf(
  db: Queryable,
  clock: { now(): Date },
  request: { since?: string; until?: string; indicators?: IndicatorName[] },
  readers: readonly IndicatorReader[] = [],
): Promise<{ window: StatsWindow; series: IndicatorSeries[] }> {
  const window = statsWindow(request.since, request.until, clock.now());
  return readIndicatorSeries(db, { ...window, indicators: request.indicators, readers }).then((series) => ({
    window,
    series,
  }));
}

function quantileOfMerged(counts: number[] | null): number | null {
  return counts === null ? null : quantileOf(counts, 0.95);
}
