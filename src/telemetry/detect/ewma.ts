import { WarmUp } from "./baseline.ts";
import { defineDetector, type OnlineDetector, type Step, thresholdScore } from "./detector.ts";

/**
 * EWMA control chart (Roberts 1959; Montgomery §9.2):
 *
 *   zₜ = λ·xₜ + (1 − λ)·zₜ₋₁,   z₀ = μ₀
 *   alarm when |zₜ − μ₀| > L·σ₀·√(λ/(2 − λ)·(1 − (1 − λ)²ᵗ))
 *
 * with the exact (time-varying) limits, so the first points after the warm-up are not judged
 * by the asymptotic width. Small λ finds small persistent shifts; λ = 1 is a Shewhart chart.
 */
export interface EwmaParams {
  lambda: number;
  L: number;
  warmup: number;
  mean: number | null;
  sd: number | null;
}

class Ewma implements OnlineDetector {
  private readonly level: WarmUp;
  private t = 0;
  private z = 0;
  private steps = 0;
  /** The decay (1 − λ)²ᵗ of the limits' start-up term. */
  private decay = 1;
  /** Where z last crossed μ₀: the estimated onset of the excursion. */
  private side = 0;
  private sideSince = 0;

  constructor(private readonly p: EwmaParams) {
    this.level = new WarmUp(p.warmup, { mean: p.mean, sd: p.sd });
    if (this.level.current) this.z = this.level.current.mean;
  }

  update(x: number): Step {
    const t = this.t++;
    const level = this.level.current;
    if (level === undefined) {
      const known = this.level.push(x);
      if (known) [this.z, this.steps, this.decay, this.side] = [known.mean, 0, 1, 0];
      return { alarm: false, score: 0 };
    }
    const lambda = this.p.lambda;
    this.z = lambda * x + (1 - lambda) * this.z;
    this.steps += 1;
    this.decay *= (1 - lambda) * (1 - lambda);
    const side = Math.sign(this.z - level.mean);
    if (side !== this.side) [this.side, this.sideSince] = [side, t];
    const limit = this.p.L * level.sd * Math.sqrt((lambda / (2 - lambda)) * (1 - this.decay));
    const distance = Math.abs(this.z - level.mean);
    if (distance > limit) {
      const onset = this.sideSince;
      this.level.restart();
      return { alarm: true, score: thresholdScore(distance, limit), onset };
    }
    return { alarm: false, score: thresholdScore(distance, limit) };
  }
}

export const ewma = defineDetector<EwmaParams>({
  name: "ewma",
  summary: "EWMA control chart with exact L-sigma limits: small persistent shifts",
  params: {
    lambda: {
      kind: "number",
      default: 0.2,
      min: 0,
      exclusiveMin: true,
      max: 1,
      doc: "smoothing weight of the newest point",
    },
    L: { kind: "number", default: 3.5, min: 0, exclusiveMin: true, doc: "width of the limits, in σ of z" },
    warmup: {
      kind: "number",
      default: 30,
      min: 2,
      integer: true,
      doc: "points that estimate μ₀ and σ₀ (at the start and after each change)",
    },
    mean: { kind: "optionalNumber", default: null, doc: "in-control mean μ₀ of the first segment" },
    sd: {
      kind: "optionalNumber",
      default: null,
      min: 0,
      exclusiveMin: true,
      doc: "in-control standard deviation σ₀ of the first segment",
    },
  },
  make: (p) => new Ewma(p),
});
