import { bucketBaseMs, bucketGrowth } from "../tasks/rollup-buckets.ts";

/**
 * The duration and queue-wait histograms of the rollups (migration 0010): counts of log-spaced
 * buckets that add up element by element, so that rows of any minutes, shards or models merge
 * into one histogram and its quantiles. Element i (1-based) counts values v in milliseconds with
 * ceil(ln(v / 0.1) / ln(1.2)) = i - 1, and element 1 every v ≤ 0.1 ms. A quantile is reported as
 * the bucket's value of least relative error (DDSketch's estimate: 2·γ^k / (γ + 1) for the bucket
 * (γ^(k-1), γ^k]), within (γ - 1) / (γ + 1) = 9.1 % of the true value.
 */
const baseMs = bucketBaseMs;
const growth = bucketGrowth;
/** The largest relative error of a quantile read from these histograms. */
export const histogramRelativeError = (growth - 1) / (growth + 1);

export { bucketOf } from "../tasks/rollup-buckets.ts";

/** Element-wise sum, as SQL's steward_add_counts(). */
export function addCounts(a: readonly number[], b: readonly number[]): number[] {
  const sum = new Array<number>(Math.max(a.length, b.length)).fill(0);
  for (let i = 0; i < sum.length; i++) sum[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return sum;
}

/**
 * The element-wise sum of many histograms (the rows a window reads, as json_agg hands them
 * back): 1,300 rows of a 30-day window merge in well under a millisecond here, where the same
 * merge in SQL (steward_sum_counts, a PL/pgSQL call per row) took 22 µs a row. Null when there
 * are none.
 */
export function sumCounts(lists: readonly (readonly number[] | null)[] | null): number[] | null {
  if (lists === null) return null;
  let sum: number[] | null = null;
  for (const list of lists) {
    if (list === null) continue;
    if (sum === null) sum = [];
    for (let i = 0; i < list.length; i++) sum[i] = (sum[i] ?? 0) + list[i]!;
  }
  return sum;
}

/** The value (ms) that a quantile q in [0, 1] of the counted values does not exceed; null when nothing was counted. */
export function quantileOf(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((s, n) => s + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return bucketValue(i + 1);
  }
  return bucketValue(counts.length);
}

function bucketValue(bucket: number): number {
  if (bucket === 1) return baseMs;
  return (2 * baseMs * growth ** (bucket - 1)) / (growth + 1);
}
