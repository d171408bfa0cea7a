import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addCounts,
  bucketOf,
  histogramRelativeError,
  quantileOf,
  sumCounts,
} from "../../src/telemetry/histogram.ts";

test("a quantile read from the buckets is within the stated relative error of the true one", () => {
  // A deterministic spread of values from 0.5 ms to about 2 minutes.
  const values = Array.from({ length: 5_000 }, (_, i) => 0.5 * 1.0025 ** i);
  const counts: number[] = [];
  for (const v of values) {
    const b = bucketOf(v);
    counts[b - 1] = (counts[b - 1] ?? 0) + 1;
  }
  const dense = Array.from(counts, (n) => n ?? 0);
  for (const q of [0.5, 0.95, 0.99]) {
    const truth = values[Math.ceil(q * values.length) - 1]!;
    const read = quantileOf(dense, q)!;
    assert.ok(
      Math.abs(read - truth) / truth <= histogramRelativeError + 1e-9,
      `p${q * 100}: read ${read}, true ${truth}`,
    );
  }
});

test("histograms add element by element, whatever their lengths", () => {
  assert.deepEqual(addCounts([1, 2], [0, 0, 5]), [1, 2, 5]);
  assert.deepEqual(addCounts([], [3]), [3]);
  // Many at once, as a window's rows come back; rows without a histogram are skipped.
  assert.deepEqual(sumCounts([[1, 2], null, [0, 0, 5], [4]]), [5, 2, 5]);
  assert.equal(sumCounts([null]), null);
  assert.equal(sumCounts(null), null);
});

test("values at or below 0.1 ms fall in the first bucket; nothing counted has no quantile", () => {
  assert.equal(bucketOf(0), 1);
  assert.equal(bucketOf(0.1), 1);
  assert.equal(bucketOf(0.11), 2);
  assert.equal(quantileOf([0, 0], 0.5), null);
  assert.equal(quantileOf([4], 0.99), 0.1);
});
