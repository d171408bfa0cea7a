import { WarmUp } from "./baseline.ts";
import { defineDetector, type OnlineDetector, type Step, thresholdScore } from "./detector.ts";

/**
 * Page–Hinkley test (Page 1954; Hinkley 1971), two-sided, with forgetting, on values
 * standardised by the warm-up σ₀ (so δ and λ read in σ whatever the series' unit):
 *
 *   z̄ₜ  = running mean of z since the segment began
 *   mₜ  = α·mₜ₋₁ + (zₜ − z̄ₜ − δ)    alarm "up"   when mₜ − min mᵢ > λ
 *   nₜ  = α·nₜ₋₁ + (zₜ − z̄ₜ + δ)    alarm "down" when max nᵢ − nₜ > λ
 *
 * Unlike CUSUM it compares with the running mean rather than a fixed μ₀, so it needs no
 * estimate of the level, only of the scale; α < 1 lets old deviations fade (α = 1: none do).
 */
export interface PageHinkleyParams {
  delta: number;
  lambda: number;
  alpha: number;
  warmup: number;
}

class PageHinkley implements OnlineDetector {
  private readonly scale: WarmUp;
  private t = 0;
  private n = 0;
  private mean = 0;
  private up = 0;
  private upMin = 0;
  private upMinAt = 0;
  private down = 0;
  private downMax = 0;
  private downMaxAt = 0;

  constructor(private readonly p: PageHinkleyParams) {
    this.scale = new WarmUp(p.warmup);
  }

  private reset(at: number): void {
    this.n = 0;
    this.mean = 0;
    this.up = 0;
    this.upMin = 0;
    this.upMinAt = at;
    this.down = 0;
    this.downMax = 0;
    this.downMaxAt = at;
  }

  update(x: number): Step {
    const t = this.t++;
    const level = this.scale.current;
    if (level === undefined) {
      this.scale.push(x);
      this.reset(t + 1);
      return { alarm: false, score: 0 };
    }
    const z = x / level.sd;
    this.n += 1;
    this.mean += (z - this.mean) / this.n;
    this.up = this.p.alpha * this.up + (z - this.mean - this.p.delta);
    this.down = this.p.alpha * this.down + (z - this.mean + this.p.delta);
    if (this.up < this.upMin) [this.upMin, this.upMinAt] = [this.up, t + 1];
    if (this.down > this.downMax) [this.downMax, this.downMaxAt] = [this.down, t + 1];
    const upStat = this.up - this.upMin;
    const downStat = this.downMax - this.down;
    if (upStat > this.p.lambda || downStat > this.p.lambda) {
      const onset = upStat > this.p.lambda ? this.upMinAt : this.downMaxAt;
      // Restart: a new scale from the next warm-up, a new running mean after it.
      this.scale.restart();
      this.reset(t + 1);
      return { alarm: true, score: thresholdScore(Math.max(upStat, downStat), this.p.lambda), onset };
    }
    return { alarm: false, score: thresholdScore(Math.max(upStat, downStat), this.p.lambda) };
  }
}

export const pageHinkley = defineDetector<PageHinkleyParams>({
  name: "page-hinkley",
  summary: "Page–Hinkley test against the running mean: abrupt shifts of the mean",
  params: {
    delta: { kind: "number", default: 0.5, min: 0, doc: "magnitude of changes tolerated, in σ" },
    lambda: { kind: "number", default: 15, min: 0, exclusiveMin: true, doc: "alarm threshold, in σ" },
    alpha: {
      kind: "number",
      default: 1,
      min: 0,
      exclusiveMin: true,
      max: 1,
      doc: "forgetting factor of the cumulative sum (1: no forgetting)",
    },
    warmup: { kind: "number", default: 30, min: 2, integer: true, doc: "points that estimate σ₀" },
  },
  make: (p) => new PageHinkley(p),
});
