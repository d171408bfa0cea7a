/**
 * The buckets of the rollups' duration and queue-wait histograms (migration 0010's
 * steward_bucket): element i (1-based) counts values v in milliseconds with
 * ceil(ln(v / 0.1) / ln(1.2)) = i - 1, element 1 every v ≤ 0.1 ms, element 200 everything past
 * the 199th bound. Here because the worker buckets its plain successes itself
 * (reported-rollups.ts); src/telemetry/histogram.ts reads the histograms.
 */
export const bucketBaseMs = 0.1;
export const bucketGrowth = 1.2;
const lnGrowth = Math.log(bucketGrowth);

/** The 1-based bucket of a value in milliseconds, as SQL's steward_bucket() computes it. */
export function bucketOf(ms: number): number {
  if (!(ms > bucketBaseMs)) return 1;
  return Math.min(Math.ceil(Math.log(ms / bucketBaseMs) / lnGrowth), 199) + 1;
}
