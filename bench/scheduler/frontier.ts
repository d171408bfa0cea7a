/**
 * Judging Steward by its trade-off between money and lateness rather than at one setting. Each
 * baseline is a point (mean cost, mean weighted tardiness over the seeds); Steward, run at a
 * sweep of prices of lateness, is a curve. A strategy tuned to one world can look good at one
 * price there and still be beaten elsewhere: the curve must dominate every point, in every world,
 * and the default price must meet the target against the best baseline.
 */

export interface Point {
  /** US dollars, the mean over the seeds. */
  cost: number;
  /** Σ (1 + urgency) × seconds late, the mean over the seeds (metrics.ts). */
  weightedTardiness: number;
}

/** A baseline router's point on one scenario. */
export interface BaselinePoint extends Point {
  strategy: string;
}

/** Steward's point on one scenario at one price of lateness. */
export interface CurvePoint extends Point {
  /** US dollars per urgency-weighted minute late: SchedulerWeights.priceOfLateness. */
  priceOfLateness: number;
}

/**
 * The target at the default price: weighted tardiness at most 0.7 × the best baseline's (the
 * baseline with the lowest weighted tardiness) at a cost of at most 1.05 × that baseline's.
 */
export const target = { tardinessRatio: 0.7, costRatio: 1.05 } as const;

/** What one scenario says of Steward against the baselines. */
export interface FrontierVerdict {
  /** Every baseline point is dominated by some point of the curve. */
  dominates: boolean;
  /** The baselines whose point no point of the curve dominates, in the order given. */
  notDominated: string[];
  /** The baseline with the lowest weighted tardiness (the first of equals). */
  best: BaselinePoint;
  /** Steward at the default price of lateness. */
  atDefault: CurvePoint;
  /** Steward's weighted tardiness ÷ the best baseline's, and its cost ÷ that baseline's (0 ÷ 0 = 0). */
  tardinessRatio: number;
  costRatio: number;
  targetMet: boolean;
}

/** Some point of the curve costs no more and is no later than `point`. */
export function isDominated(point: Point, curve: readonly Point[]): boolean {
  return curve.some((c) => c.cost <= point.cost && c.weightedTardiness <= point.weightedTardiness);
}

/** The verdict on one scenario; `curve` must hold a point at `defaultPrice`. */
export function judgeFrontier(
  baselines: readonly BaselinePoint[],
  curve: readonly CurvePoint[],
  defaultPrice: number,
): FrontierVerdict {
  if (baselines.length === 0) throw new Error("no baseline to judge against");
  const atDefault = curve.find((c) => c.priceOfLateness === defaultPrice);
  if (atDefault === undefined) throw new Error(`the curve has no point at the default price ${defaultPrice}`);
  const notDominated = baselines.filter((b) => !isDominated(b, curve)).map((b) => b.strategy);
  const best = baselines.reduce((a, b) => (b.weightedTardiness < a.weightedTardiness ? b : a));
  return {
    dominates: notDominated.length === 0,
    notDominated,
    best,
    atDefault,
    tardinessRatio: ratio(atDefault.weightedTardiness, best.weightedTardiness),
    costRatio: ratio(atDefault.cost, best.cost),
    targetMet:
      atDefault.weightedTardiness <= target.tardinessRatio * best.weightedTardiness &&
      atDefault.cost <= target.costRatio * best.cost,
  };
}

function ratio(value: number, of: number): number {
  if (value === 0) return 0;
  return of === 0 ? Number.POSITIVE_INFINITY : value / of;
}
