import { clip01, defineDetector, type OnlineDetector, type Step } from "./detector.ts";
import { normalTail } from "./normal.ts";

/**
 * Mann–Kendall trend test (Mann 1945; Kendall 1975) with Sen's slope (Sen 1968), over a sliding
 * window of the last `window` points, for slow degradation: a steady drift of a few percent a
 * week over daily rollups, which no single point betrays.
 *
 *   S      = Σᵢ<ⱼ sign(xⱼ − xᵢ)
 *   Var(S) = [n(n − 1)(2n + 5) − Σ_g t_g(t_g − 1)(2t_g + 5)] / 18     (t_g: sizes of tied groups)
 *   Z      = (S − sign S) / √Var(S)                                   (continuity correction)
 *   slope  = median over i < j of (xⱼ − xᵢ) / (j − i)                 (Sen)
 *
 * A trend is flagged when its p-value (one-sided in the `worsening` direction, two-sided for
 * "either") is below `alpha` and Sen's slope, relative to the window's median level, amounts to
 * at least `minWeeklyChange` per `pointsPerWeek` points: significance alone would flag
 * harmless drifts on long quiet series. The onset is the window's first point; the window is
 * then emptied, so a trend that goes on is flagged again a window later.
 */
export interface MannKendallParams {
  window: number;
  alpha: number;
  worsening: "up" | "down" | "either";
  minWeeklyChange: number;
  pointsPerWeek: number;
}

export interface TrendTest {
  s: number;
  z: number;
  /** p-value of the trend in the requested direction. */
  p: number;
  senSlope: number;
  /** Sen's slope × points per week, divided by |median| of the window. */
  weeklyChange: number;
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** The test on one window of values (in time order). */
export function mannKendall(
  xs: readonly number[],
  worsening: MannKendallParams["worsening"] = "either",
  pointsPerWeek = 7,
): TrendTest {
  const n = xs.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++)
    for (let j = i + 1; j < n; j++) {
      const d = xs[j]! - xs[i]!;
      s += Math.sign(d);
      slopes.push(d / (j - i));
    }
  const sorted = [...xs].sort((a, b) => a - b);
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    ties += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const variance = (n * (n - 1) * (2 * n + 5) - ties) / 18;
  const z = variance > 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  const p =
    worsening === "up" ? normalTail(z) : worsening === "down" ? normalTail(-z) : 2 * normalTail(Math.abs(z));
  const senSlope = slopes.length > 0 ? median(slopes.sort((a, b) => a - b)) : 0;
  const level = Math.abs(median(sorted));
  const weeklyChange =
    level > 0
      ? (senSlope * pointsPerWeek) / level
      : senSlope === 0
        ? 0
        : Number.POSITIVE_INFINITY * Math.sign(senSlope);
  return { s, z, p: Math.min(1, p), senSlope, weeklyChange };
}

class MannKendallWindow implements OnlineDetector {
  private t = 0;
  private values: number[] = [];

  constructor(private readonly p: MannKendallParams) {}

  update(x: number): Step {
    const t = this.t++;
    this.values.push(x);
    if (this.values.length > this.p.window) this.values.shift();
    if (this.values.length < this.p.window) return { alarm: false, score: 0 };
    const test = mannKendall(this.values, this.p.worsening, this.p.pointsPerWeek);
    const change =
      this.p.worsening === "up"
        ? test.weeklyChange
        : this.p.worsening === "down"
          ? -test.weeklyChange
          : Math.abs(test.weeklyChange);
    const steepEnough = change >= this.p.minWeeklyChange;
    if (test.p < this.p.alpha && steepEnough) {
      this.values = [];
      return { alarm: true, score: 1, onset: t - this.p.window + 1 };
    }
    // Score: confidence in a trend, held below 1 until the slope is steep enough to count.
    const steepness = this.p.minWeeklyChange > 0 ? clip01(change / this.p.minWeeklyChange) : 1;
    return { alarm: false, score: clip01((1 - test.p) * steepness) };
  }
}

export const mannKendallTrend = defineDetector<MannKendallParams>({
  name: "mann-kendall",
  summary: "Mann–Kendall trend test with Sen's slope over a sliding window: slow degradation",
  params: {
    window: { kind: "number", default: 28, min: 4, integer: true, doc: "points in the sliding window" },
    alpha: {
      kind: "number",
      default: 0.01,
      min: 0,
      exclusiveMin: true,
      max: 1,
      exclusiveMax: true,
      doc: "significance level of the trend",
    },
    worsening: {
      kind: "choice",
      default: "either",
      choices: ["up", "down", "either"],
      doc: "which direction is worse (up: durations, errors; down: success rates)",
    },
    minWeeklyChange: {
      kind: "number",
      default: 0.02,
      min: 0,
      doc: "smallest trend worth flagging, as a fraction of the level per week",
    },
    pointsPerWeek: {
      kind: "number",
      default: 7,
      min: 0,
      exclusiveMin: true,
      doc: "points per week (7 for daily rollups)",
    },
  },
  make: (p) => new MannKendallWindow(p),
});
