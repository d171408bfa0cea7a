import { normal, type Random, triangular, uniform } from "./random.ts";

/**
 * The distributions a world's kinds of task draw their sizes, complexities and deadline windows
 * from, written as data so that a world reads as a table and its means (which the pool's
 * capacity is computed from, capacity.ts) follow from it exactly.
 */
export type Distribution =
  | { kind: "uniform"; min: number; max: number }
  | { kind: "triangular"; min: number; mode: number; max: number }
  /** exp(N(ln median, sigma²)), clamped to [min, max]: the heavy tail of real token counts. */
  | { kind: "lognormal"; median: number; sigma: number; min: number; max: number };

/** One draw. Uniform and triangular take one uniform draw, lognormal two. */
export function draw(random: Random, d: Distribution): number {
  switch (d.kind) {
    case "uniform":
      return uniform(random, d.min, d.max);
    case "triangular":
      return triangular(random, d.min, d.max, d.mode);
    case "lognormal":
      return Math.min(d.max, Math.max(d.min, d.median * Math.exp(d.sigma * normal(random))));
  }
}

/** The distribution's mean (for the lognormal, of the clamped variable). */
export function mean(d: Distribution): number {
  switch (d.kind) {
    case "uniform":
      return (d.min + d.max) / 2;
    case "triangular":
      return (d.min + d.mode + d.max) / 3;
    case "lognormal": {
      // E[clamp(X, a, b)] = a P(X < a) + b P(X > b) + ∫ₐᵇ x f(x) dx, with
      // ∫ₐᵇ x f(x) dx = e^(μ + σ²/2) (Φ((ln b − μ − σ²)/σ) − Φ((ln a − μ − σ²)/σ)).
      const mu = Math.log(d.median);
      const s = d.sigma;
      const z = (x: number) => (Math.log(x) - mu) / s;
      const body = Math.exp(mu + (s * s) / 2) * (normalCdf(z(d.max) - s) - normalCdf(z(d.min) - s));
      return d.min * normalCdf(z(d.min)) + d.max * (1 - normalCdf(z(d.max))) + body;
    }
  }
}

/** Φ, by the Abramowitz–Stegun 7.1.26 approximation of erf (error below 1.5 × 10⁻⁷). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
