import { clip01, defineDetector, type OnlineDetector, type Step } from "./detector.ts";
import { log10NormalTail } from "./normal.ts";

/**
 * Windowed Gaussian anomaly scorer (the "windowedGaussian" baseline of the Numenta Anomaly
 * Benchmark): each point is judged against the mean and standard deviation of the `window`
 * points before it,
 *
 *   zₜ = (xₜ − mean) / sd,    tail = 2·Q(|zₜ|)    (Q: the standard normal tail)
 *
 * an alarm when the tail falls below `tailProbability`. The score is −log₁₀(tail) / 20, clipped
 * to [0, 1]: on a log scale, so that points far out in the tail still rank apart (1 − tail
 * rounds to exactly 1 beyond |z| ≈ 8, and a threshold sweep could not tell them apart). It is an outlier
 * scorer rather than a change detector: it never restarts, and a new level stops being
 * anomalous once the window has absorbed it.
 */
export interface WindowedGaussianParams {
  window: number;
  tailProbability: number;
  minPoints: number;
}

class WindowedGaussian implements OnlineDetector {
  private readonly ring: number[];
  private count = 0;
  private next = 0;
  // Sums of (x − shift) keep the variance exact for large values (bytes, counts), where raw
  // sums of squares would cancel.
  private shift = 0;
  private sum = 0;
  private sumSq = 0;

  constructor(private readonly p: WindowedGaussianParams) {
    this.ring = new Array<number>(p.window).fill(0);
  }

  update(x: number): Step {
    let step: Step = { alarm: false, score: 0 };
    if (this.count >= this.p.minPoints) {
      const mean = this.shift + this.sum / this.count;
      const variance = Math.max(0, (this.sumSq - (this.sum * this.sum) / this.count) / (this.count - 1));
      const sd = Math.sqrt(variance);
      const d = Math.abs(x - mean);
      // A flat window makes any move infinitely unlikely, and no move at all perfectly normal.
      const log10Tail = sd > 0 ? Math.log10(2) + log10NormalTail(d / sd) : d > 0 ? -20 : 0;
      step = { alarm: log10Tail < Math.log10(this.p.tailProbability), score: clip01(-log10Tail / 20) };
    }
    if (this.count === 0) this.shift = x;
    if (this.count === this.p.window) {
      const old = this.ring[this.next]! - this.shift;
      this.sum -= old;
      this.sumSq -= old * old;
    } else this.count += 1;
    const v = x - this.shift;
    this.ring[this.next] = x;
    this.next = (this.next + 1) % this.p.window;
    this.sum += v;
    this.sumSq += v * v;
    return step;
  }
}

export const windowedGaussian = defineDetector<WindowedGaussianParams>({
  name: "windowed-gaussian",
  summary: "tail probability of each point under a Gaussian fitted to the previous window (outliers)",
  params: {
    window: { kind: "number", default: 6400, min: 2, integer: true, doc: "points the Gaussian is fitted to" },
    tailProbability: {
      kind: "number",
      default: 1e-5,
      min: 0,
      exclusiveMin: true,
      max: 1,
      exclusiveMax: true,
      doc: "alarm when a point is less likely than this",
    },
    minPoints: { kind: "number", default: 30, min: 2, integer: true, doc: "points needed before scoring" },
  },
  make: (p) => new WindowedGaussian(p),
});
