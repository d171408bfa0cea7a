/**
 * NAB scoring, written after the NAB repository's scorer (nab/sweeper.py, nab/optimizer.py and
 * the normalisation of nab/runner.py at commit ea702d7):
 *
 * - The first min(⌊0.15·n⌋, 750) points of a series are probationary: not scored.
 * - A point inside a window of width w whose right edge is at R, at index i, would score
 *   A_TP · σ̃(−(R − i + 1)/w) / σ̃(−1) as a detection, where σ̃(y) = 2/(1 + e^{5y}) − 1 (the
 *   scaled sigmoid; −1 for y ≥ 3, as sweeper.py has it): the earlier in the window, the closer
 *   to A_TP.
 * - Only the best (earliest) detection of a window counts; a window with none costs −A_FN.
 * - A detection outside every window costs A_FP · σ̃(|i − R_prev| / (w_prev − 1)) after a
 *   window (small just after it, about −A_FP far from it), and −A_FP before the first window.
 * - The threshold is swept over every anomaly score of the whole corpus at once (a point is a
 *   detection when its score ≥ the threshold), and the best total is the detector's raw score.
 * - Normalised: 100 · (raw − null) / (perfect − null), where the null detector (no detection)
 *   scores −A_FN per window and a perfect one A_TP per window.
 */
import type { NabSeries } from "./nab-corpus.ts";

export interface Profile {
  name: string;
  tp: number;
  fp: number;
  fn: number;
}

/** NAB's config/profiles.json (A_TN is 1 in every profile and unused by the scorer). */
export const profiles: readonly Profile[] = [
  { name: "standard", tp: 1, fp: 0.11, fn: 1 },
  { name: "reward_low_FP_rate", tp: 1, fp: 0.22, fn: 1 },
  { name: "reward_low_FN_rate", tp: 1, fp: 0.11, fn: 2 },
];

export function scaledSigmoid(position: number): number {
  // sweeper.py cuts at ≥ 3 (scorer.py, which NAB no longer uses for the sweep, at > 3): a false
  // positive exactly three window widths past a window costs the full A_FP, not 0.9999994·A_FP.
  return position >= 3 ? -1 : 2 / (1 + Math.exp(5 * position)) - 1;
}

export function probationLength(n: number): number {
  return Math.min(Math.floor(0.15 * n), 0.15 * 5000);
}

/** One scorable point: its anomaly score, what detecting it is worth, and its window (or −1). */
interface Point {
  score: number;
  value: number;
  window: number;
  series: number;
}

function sweepPoints(corpus: readonly NabSeries[], scores: readonly number[][], profile: Profile) {
  const points: Point[] = [];
  const windowSeries: number[] = [];
  const maxTp = scaledSigmoid(-1);
  corpus.forEach((series, s) => {
    const probation = probationLength(series.values.length);
    const ids = series.windows.map(() => -1);
    let prev: { end: number; width: number } | undefined;
    let w = 0;
    for (let i = 0; i < series.values.length; i++) {
      const window = series.windows[w];
      const inside = window !== undefined && i >= window.start && i <= window.end;
      let value: number;
      if (inside) {
        const width = window.end - window.start + 1;
        value = (scaledSigmoid(-(window.end - i + 1) / width) * profile.tp) / maxTp;
      } else {
        value =
          prev === undefined
            ? -profile.fp
            : scaledSigmoid(Math.abs(i - prev.end) / (prev.width - 1)) * profile.fp;
      }
      if (i >= probation) {
        let id = -1;
        if (inside) {
          if (ids[w] === -1) {
            ids[w] = windowSeries.length;
            windowSeries.push(s);
          }
          id = ids[w]!;
        }
        points.push({ score: scores[s]![i]!, value, window: id, series: s });
      }
      if (inside && i === window.end) {
        prev = { end: window.end, width: window.end - window.start + 1 };
        w += 1;
      }
    }
  });
  return { points, windowSeries };
}

export interface NabResult {
  profile: string;
  threshold: number;
  raw: number;
  /** Normalised: 0 for the null detector, 100 for a perfect one. */
  score: number;
  windows: number;
  detectedWindows: number;
  falsePositives: number;
  byCategory: Record<string, { raw: number; score: number | null; windows: number }>;
}

/** Scores one detector's anomaly scores (one array per series of the corpus) under a profile. */
export function scoreNab(
  corpus: readonly NabSeries[],
  scores: readonly number[][],
  profile: Profile,
): NabResult {
  const { points, windowSeries } = sweepPoints(corpus, scores, profile);
  const order = [...points].sort((a, b) => b.score - a.score);
  const windowBest = windowSeries.map(() => -profile.fn);
  let total = -profile.fn * windowSeries.length;
  let best = { threshold: 1.1, total };
  for (let i = 0; i < order.length; i++) {
    const p = order[i]!;
    if (p.window >= 0) {
      if (p.value > windowBest[p.window]!) {
        total += p.value - windowBest[p.window]!;
        windowBest[p.window] = p.value;
      }
    } else {
      total += p.value;
    }
    // A threshold lies between distinct scores: all points of equal score fall together.
    const next = order[i + 1];
    if ((next === undefined || next.score !== p.score) && total > best.total)
      best = { threshold: p.score, total };
  }
  // Recount at the chosen threshold, per category.
  const categories = [...new Set(corpus.map((s) => s.category))];
  const byCategory: NabResult["byCategory"] = {};
  for (const c of categories) byCategory[c] = { raw: 0, score: null, windows: 0 };
  const bestOfWindow = windowSeries.map(() => Number.NEGATIVE_INFINITY);
  let falsePositives = 0;
  for (const p of points) {
    if (p.score < best.threshold) continue;
    if (p.window >= 0) bestOfWindow[p.window] = Math.max(bestOfWindow[p.window]!, p.value);
    else {
      byCategory[corpus[p.series]!.category]!.raw += p.value;
      falsePositives += 1;
    }
  }
  let detectedWindows = 0;
  windowSeries.forEach((s, w) => {
    const entry = byCategory[corpus[s]!.category]!;
    entry.windows += 1;
    const hit = bestOfWindow[w]!;
    if (hit > Number.NEGATIVE_INFINITY) detectedWindows += 1;
    entry.raw += hit > Number.NEGATIVE_INFINITY ? hit : -profile.fn;
  });
  const normalise = (raw: number, windows: number) =>
    windows === 0
      ? null
      : (100 * (raw + profile.fn * windows)) / (profile.tp * windows + profile.fn * windows);
  for (const entry of Object.values(byCategory)) entry.score = normalise(entry.raw, entry.windows);
  return {
    profile: profile.name,
    threshold: best.threshold,
    raw: best.total,
    score: normalise(best.total, windowSeries.length) ?? 0,
    windows: windowSeries.length,
    detectedWindows,
    falsePositives,
    byCategory,
  };
}
