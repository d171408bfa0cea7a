import { WarmUp } from "./baseline.ts";
import { clip01, defineDetector, type OnlineDetector, type Step } from "./detector.ts";
import { logGamma } from "./normal.ts";

/**
 * Bayesian online change-point detection (Adams & MacKay 2007, arXiv:0710.3742).
 *
 * The run length rₜ (points since the last change) has a posterior kept over all live values:
 *
 *   P(rₜ = r + 1, x₁..ₜ) = P(rₜ₋₁ = r, x₁..ₜ₋₁) · π(xₜ | run r) · (1 − H)
 *   P(rₜ = 0,     x₁..ₜ) = Σᵣ P(rₜ₋₁ = r, x₁..ₜ₋₁) · π(xₜ | run r) · H
 *
 * with a constant hazard H = 1/λ and, for each run, the Normal–Gamma conjugate model of a
 * Gaussian with unknown mean and variance: its predictive π is a Student-t with 2α degrees of
 * freedom, location μ and scale² β(κ + 1)/(ακ). Values are standardised by the warm-up level
 * so that the prior (μ₀, κ₀, α₀, β₀) reads in σ whatever the series' unit.
 *
 * Memory stays bounded: run lengths whose posterior falls below 1e-10 are dropped, and at most
 * `maxRunLengths` are kept (the least probable go first).
 *
 * Decision rule (documented choice): a change is reported at t when the posterior probability
 * that the current run is at most `shortRun` points long, P(1 ≤ rₜ ≤ shortRun), exceeds
 * `threshold`. (P(rₜ = 0) is always H under a constant hazard and says nothing, and a drop of
 * the MAP run length fires late on noisy data.) That probability is also the anomaly score. The
 * onset is where the most probable short run began; the detector then restarts from it, feeding
 * the points since the onset into a fresh posterior, and stays quiet until its segment is longer
 * than `shortRun` (before that every run is short by definition).
 */
export interface BocpdParams {
  hazardLambda: number;
  shortRun: number;
  threshold: number;
  maxRunLengths: number;
  warmup: number;
  mu0: number;
  kappa0: number;
  alpha0: number;
  beta0: number;
}

class Bocpd implements OnlineDetector {
  private readonly level: WarmUp;
  private t = 0;
  /** Points in the current segment (fed since the start or the last restart). */
  private age = 0;
  // Parallel arrays, one entry per live run length.
  private runs: number[] = [];
  private logp: number[] = [];
  private mu: number[] = [];
  private kappa: number[] = [];
  private beta: number[] = [];
  /** The last `shortRun` standardised values, to re-feed after a restart. */
  private recent: number[] = [];
  private readonly logH: number;
  private readonly log1mH: number;

  constructor(private readonly p: BocpdParams) {
    this.level = new WarmUp(p.warmup);
    this.logH = -Math.log(p.hazardLambda);
    this.log1mH = Math.log1p(-1 / p.hazardLambda);
    this.fresh();
  }

  private fresh(): void {
    this.runs = [0];
    this.logp = [0];
    this.mu = [this.p.mu0];
    this.kappa = [this.p.kappa0];
    this.beta = [this.p.beta0];
    this.age = 0;
  }

  /** One step of the recursion; returns P(1 ≤ r ≤ shortRun) and the most probable short run. */
  private absorb(z: number): { short: number; bestShort: number } {
    const n = this.runs.length;
    const grown = new Array<number>(n);
    let cpMax = Number.NEGATIVE_INFINITY;
    const joint = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const alpha = this.p.alpha0 + this.runs[i]! / 2;
      const nu = 2 * alpha;
      const kappa = this.kappa[i]!;
      const scale2 = (this.beta[i]! * (kappa + 1)) / (alpha * kappa);
      const d = z - this.mu[i]!;
      const logPred =
        logGamma((nu + 1) / 2) -
        logGamma(nu / 2) -
        0.5 * Math.log(nu * Math.PI * scale2) -
        ((nu + 1) / 2) * Math.log1p((d * d) / (nu * scale2));
      joint[i] = this.logp[i]! + logPred;
      grown[i] = joint[i]! + this.log1mH;
      if (joint[i]! > cpMax) cpMax = joint[i]!;
    }
    let cpSum = 0;
    for (let i = 0; i < n; i++) cpSum += Math.exp(joint[i]! - cpMax);
    const logCp = cpMax + Math.log(cpSum) + this.logH;
    // Grow every run by the new point (conjugate update), then add the new run of length 0.
    for (let i = 0; i < n; i++) {
      const kappa = this.kappa[i]!;
      const d = z - this.mu[i]!;
      this.beta[i] = this.beta[i]! + (kappa * d * d) / (2 * (kappa + 1));
      this.mu[i] = (kappa * this.mu[i]! + z) / (kappa + 1);
      this.kappa[i] = kappa + 1;
      this.runs[i] = this.runs[i]! + 1;
    }
    this.logp = grown;
    this.runs.unshift(0);
    this.logp.unshift(logCp);
    this.mu.unshift(this.p.mu0);
    this.kappa.unshift(this.p.kappa0);
    this.beta.unshift(this.p.beta0);
    return this.normaliseAndPrune();
  }

  private normaliseAndPrune(): { short: number; bestShort: number } {
    let max = Number.NEGATIVE_INFINITY;
    for (const l of this.logp) if (l > max) max = l;
    let sum = 0;
    for (const l of this.logp) sum += Math.exp(l - max);
    const logZ = max + Math.log(sum);
    let keep: number[] = [];
    for (let i = 0; i < this.logp.length; i++) {
      this.logp[i] = this.logp[i]! - logZ;
      if (i === 0 || this.logp[i]! > -23) keep.push(i);
    }
    if (keep.length > this.p.maxRunLengths)
      keep = keep
        .sort((a, b) => this.logp[b]! - this.logp[a]!)
        .slice(0, this.p.maxRunLengths)
        .sort((a, b) => a - b);
    if (keep.length < this.logp.length) {
      const pick = <T>(xs: T[]) => keep.map((i) => xs[i]!);
      [this.runs, this.logp, this.mu, this.kappa, this.beta] = [
        pick(this.runs),
        pick(this.logp),
        pick(this.mu),
        pick(this.kappa),
        pick(this.beta),
      ];
    }
    let short = 0;
    let bestShort = 1;
    let bestP = -1;
    for (let i = 0; i < this.runs.length; i++) {
      const r = this.runs[i]!;
      if (r < 1 || r > this.p.shortRun) continue;
      const prob = Math.exp(this.logp[i]!);
      short += prob;
      if (prob > bestP) [bestP, bestShort] = [prob, r];
    }
    return { short, bestShort };
  }

  update(x: number): Step {
    const t = this.t++;
    const level = this.level.current;
    if (level === undefined) {
      this.level.push(x);
      return { alarm: false, score: 0 };
    }
    const z = (x - level.mean) / level.sd;
    this.recent.push(z);
    if (this.recent.length > this.p.shortRun) this.recent.shift();
    this.age += 1;
    const { short, bestShort } = this.absorb(z);
    if (this.age <= this.p.shortRun) return { alarm: false, score: 0 };
    if (short > this.p.threshold) {
      const onset = t - bestShort + 1;
      const replay = this.recent.slice(-bestShort);
      this.fresh();
      for (const v of replay) {
        this.absorb(v);
        this.age += 1;
      }
      return { alarm: true, score: 1, onset };
    }
    return { alarm: false, score: clip01(short) };
  }
}

export const bocpd = defineDetector<BocpdParams>({
  name: "bocpd",
  summary:
    "Bayesian online change-point detection (Adams & MacKay 2007), Gaussian, unknown mean and variance",
  params: {
    hazardLambda: {
      kind: "number",
      default: 250,
      min: 1,
      exclusiveMin: true,
      doc: "expected run length between changes, in points (hazard H = 1/λ)",
    },
    shortRun: {
      kind: "number",
      default: 10,
      min: 1,
      integer: true,
      doc: "a run this short or shorter means a recent change",
    },
    threshold: {
      kind: "number",
      default: 0.5,
      min: 0,
      exclusiveMin: true,
      max: 1,
      exclusiveMax: true,
      doc: "alarm when P(1 ≤ r ≤ shortRun) exceeds it",
    },
    maxRunLengths: {
      kind: "number",
      default: 300,
      min: 2,
      integer: true,
      doc: "run-length hypotheses kept (memory and time per point)",
    },
    warmup: {
      kind: "number",
      default: 30,
      min: 2,
      integer: true,
      doc: "points that set the standardising level",
    },
    mu0: { kind: "number", default: 0, doc: "prior mean of a new run, in σ from the warm-up mean" },
    kappa0: { kind: "number", default: 1, min: 0, exclusiveMin: true, doc: "prior pseudo-count of the mean" },
    alpha0: { kind: "number", default: 1, min: 0, exclusiveMin: true, doc: "prior shape of the precision" },
    beta0: {
      kind: "number",
      default: 1,
      min: 0,
      exclusiveMin: true,
      doc: "prior rate of the precision (σ² units)",
    },
  },
  make: (p) => new Bocpd(p),
});
