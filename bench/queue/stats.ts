/** Nearest-rank percentile of `values` (0 < p ≤ 100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Pickup {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarisePickup(latenciesMs: readonly number[]): Pickup {
  return {
    samples: latenciesMs.length,
    p50: percentile(latenciesMs, 50),
    p95: percentile(latenciesMs, 95),
    p99: percentile(latenciesMs, 99),
    max: percentile(latenciesMs, 100),
  };
}

/** Milliseconds on a clock shared by every part of this process, with sub-millisecond precision. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
