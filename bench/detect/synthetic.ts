/**
 * Synthetic series with known change points, from a seeded generator (the same seed gives the
 * same series on every machine): what the detectors' unit tests and the delay / false-alarm
 * measurements of bench/detect.ts run on.
 */
import { mulberry32 } from "../scheduler/random.ts";

export type Random = () => number;

/** A standard normal variate by Box–Muller from two uniforms of the seeded stream. */
export function gaussian(random: Random): number {
  const u = 1 - random(); // in (0, 1]: log(0) would be −∞
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface Scenario {
  name: string;
  description: string;
  /** Index of the first changed point, or null for a series without change. */
  change: number | null;
  make(seed: number): number[];
}

/** 1,000 points, N(100, 5²), then +2σ from point 500 on. */
export const meanShift: Scenario = {
  name: "mean shift",
  description: "N(100, 5²), +2σ (to 110) from point 500 of 1,000",
  change: 500,
  make(seed) {
    const random = mulberry32(seed);
    return Array.from({ length: 1_000 }, (_, i) => 100 + 5 * gaussian(random) + (i >= 500 ? 10 : 0));
  },
};

/** A flat line that steps from 10 to 12 at point 500: no noise at all (σ = 0 during warm-up). */
export const noiseFreeStep: Scenario = {
  name: "noise-free step",
  description: "constant 10, then 12 from point 500 of 1,000 (no noise)",
  change: 500,
  make() {
    return Array.from({ length: 1_000 }, (_, i) => (i >= 500 ? 12 : 10));
  },
};

/**
 * 90 daily points around 100 with 2 % noise: 30 steady days, then a worsening of 3 % of the
 * level a week (linear, 0.43 a day) for the last 60: the seed report's slow degradation.
 */
export const slowTrend: Scenario = {
  name: "slow trend",
  description: "90 daily points, N(100, 2²); from day 30 a rise of 3 % a week",
  change: 30,
  make(seed) {
    const random = mulberry32(seed);
    return Array.from(
      { length: 90 },
      (_, day) => 100 * (1 + (0.03 / 7) * Math.max(0, day - 30)) + 2 * gaussian(random),
    );
  },
};

/** 10,000 points of N(100, 5²) and nothing else: every alarm is false. */
export const nullSeries: Scenario = {
  name: "null",
  description: "10,000 points of N(100, 5²), no change",
  change: null,
  make(seed) {
    const random = mulberry32(seed);
    return Array.from({ length: 10_000 }, () => 100 + 5 * gaussian(random));
  },
};

export const scenarios: readonly Scenario[] = [meanShift, noiseFreeStep, slowTrend, nullSeries];

export interface Outcome {
  /** Points from the change to the first alarm at or after it; null when it was missed. */
  delay: number | null;
  /** Alarms before the change (all of them on a series without one). */
  falseAlarms: number;
}

export function outcomeOf(changePoints: readonly number[], change: number | null): Outcome {
  if (change === null) return { delay: null, falseAlarms: changePoints.length };
  const after = changePoints.find((c) => c >= change);
  return {
    delay: after === undefined ? null : after - change,
    falseAlarms: changePoints.filter((c) => c < change).length,
  };
}

/** The q-quantile (0..1) of the values, by the nearest-rank rule; null for none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
