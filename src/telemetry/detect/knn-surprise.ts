import { clip01, defineDetector, type OnlineDetector, type Step } from "./detector.ts";
import { log10NormalTail } from "./normal.ts";

/**
 * Nearest-neighbour surprise: an anomaly scorer for operational series, where daily cycles,
 * spikes and quiet periods make a single Gaussian level wrong (NAB's real series).
 *
 * 1. The last `dimension` values form a shape. Its distance to the nearest earlier shape among
 *    the previous `history` points (Euclidean, values divided by the range seen so far) is the
 *    raw anomaly: a shape never seen before is far from everything.
 * 2. The raw anomaly is judged against its own last `rawWindow` values (mean m, sd s): the
 *    surprise is −log₁₀ Q((raw − m)/s), and the score is surprise / 20, clipped to [0, 1]
 *    (1 means a tail probability of 1e-20 or less).
 * 3. An alarm when the score reaches `alarmScore`; the next `quiet` points then score 0, since
 *    one anomaly shows in every shape that overlaps it and one report is what an operator needs.
 *
 * It is in the spirit of NAB's KNN-CAD (Burnaev & Ishimtsev 2016) and of the HTM detector's
 * anomaly likelihood (the raw score judged by its own recent distribution), simplified.
 * Cost per point: O(history × dimension) in the worst case; the inner loop stops early.
 */
export interface KnnSurpriseParams {
  dimension: number;
  history: number;
  rawWindow: number;
  alarmScore: number;
  quiet: number;
}

class KnnSurprise implements OnlineDetector {
  private values: number[] = [];
  private raw: number[] = [];
  private seen = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private muted = 0;

  constructor(private readonly p: KnnSurpriseParams) {}

  /** Distance of the newest shape to its nearest neighbour among the earlier ones. */
  private nearest(): number {
    const { dimension: d } = this.p;
    const xs = this.values;
    const last = xs.length - 1;
    const span = this.max - this.min || 1;
    let best = Number.POSITIVE_INFINITY;
    // Shapes ending at j ≤ last − d do not overlap the newest one (a shape always matches itself).
    for (let j = Math.max(d - 1, last - this.p.history); j <= last - d; j++) {
      let sum = 0;
      for (let q = 0; q < d && sum < best; q++) {
        const e = (xs[last - q]! - xs[j - q]!) / span;
        sum += e * e;
      }
      if (sum < best) best = sum;
    }
    return Math.sqrt(best);
  }

  update(x: number): Step {
    this.seen += 1;
    this.min = Math.min(this.min, x);
    this.max = Math.max(this.max, x);
    this.values.push(x);
    // Bounded memory: keep what the neighbour search can reach, trimmed in chunks.
    const keep = this.p.history + 2 * this.p.dimension;
    if (this.values.length > 2 * keep) this.values = this.values.slice(-keep);
    if (this.values.length < 3 * this.p.dimension) return this.quietStep();
    const raw = this.nearest();
    const before = this.raw.slice(-this.p.rawWindow);
    this.raw.push(raw);
    if (this.raw.length > 2 * this.p.rawWindow) this.raw = this.raw.slice(-this.p.rawWindow);
    // The raw anomaly's own distribution needs some history before it can judge a value.
    if (before.length < Math.min(50, this.p.rawWindow)) return this.quietStep();
    let mean = 0;
    for (const r of before) mean += r;
    mean /= before.length;
    let ss = 0;
    for (const r of before) ss += (r - mean) * (r - mean);
    const sd = Math.max(Math.sqrt(ss / (before.length - 1)), 1e-6);
    const score = clip01(-log10NormalTail((raw - mean) / sd) / 20);
    if (this.muted > 0) return this.quietStep();
    if (score >= this.p.alarmScore) {
      this.muted = this.p.quiet;
      return { alarm: true, score, onset: this.seen - 1 };
    }
    return { alarm: false, score };
  }

  private quietStep(): Step {
    if (this.muted > 0) this.muted -= 1;
    return { alarm: false, score: 0 };
  }
}

export const knnSurprise = defineDetector<KnnSurpriseParams>({
  name: "knn-surprise",
  summary:
    "nearest-neighbour distance of the latest shape, judged by its own recent distribution (anomalies)",
  params: {
    dimension: { kind: "number", default: 24, min: 1, integer: true, doc: "points in a shape" },
    history: {
      kind: "number",
      default: 1000,
      min: 2,
      integer: true,
      doc: "how far back the nearest earlier shape is searched, in points",
    },
    rawWindow: {
      kind: "number",
      default: 1000,
      min: 10,
      integer: true,
      doc: "raw anomalies the newest one is judged against",
    },
    alarmScore: {
      kind: "number",
      default: 0.15,
      min: 0,
      exclusiveMin: true,
      max: 1,
      doc: "alarm at this score (0.15: a tail probability of 1e-3)",
    },
    quiet: { kind: "number", default: 250, min: 0, integer: true, doc: "points without alarm after one" },
  },
  make: (p) => new KnnSurprise(p),
});
