/**
 * How the Models page reads the scheduler's learned success curves (GET /api/models,
 * `successCurves`): the curve's value at a complexity, the curves a model shows, their colours
 * and the words under each chart. No DOM types here, so that the server's tsconfig checks it too.
 */

import { lineColors } from "./chart-colors.ts";
import type { ModelStatus } from "./model-api.ts";

export type SuccessCurve = ModelStatus["successCurves"][number];
export type CurveParams = SuccessCurve["prior"];

/** The capability a task that requires none is judged under (the mean of the declared levels). */
export const anyCapability = "*";

/**
 * The bounds the scheduler holds every estimate within (src/scheduler/success-curve.ts), so that
 * the chart draws what it uses: nothing is ever certain, nothing hopeless.
 */
const minSuccess = 0.02;
const maxSuccess = 0.99;

/** The probability that one attempt succeeds at this gap (declared level − complexity). */
export function curveSuccess(curve: CurveParams, gap: number): number {
  const p = 1 / (1 + Math.exp(-(curve.offset + curve.slope * gap)));
  return Math.min(maxSuccess, Math.max(minSuccess, p));
}

/** How a capability reads: "*" is the curve of tasks that require none. */
export function capabilityLabel(capability: string): string {
  return capability === anyCapability ? "no capability required" : capability;
}

/** Whether anything was learned about the model: until then it is judged on its declared levels. */
export function hasLearned(model: ModelStatus): boolean {
  return model.successCurves.some((curve) => curve.attempts > 0);
}

/**
 * The curves a model's chart shows: those the scheduler fitted, or, before any outcome, the prior
 * at each declared level (the mean level's, for a model that declares none), as the scheduler
 * would judge its first tasks.
 */
export function shownCurves(model: ModelStatus): SuccessCurve[] {
  if (model.successCurves.length > 0) return model.successCurves;
  const prior = { offset: 1.35, slope: 0.9 };
  const declared = Object.entries(model.capabilities)
    .filter(([, level]) => level >= 1)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const levels = declared.length > 0 ? declared : ([[anyCapability, 5]] as [string, number][]);
  return levels.map(([capability, level]) => ({
    capability,
    level,
    prior,
    learned: prior,
    attempts: 0,
    successes: 0,
    points: [],
  }));
}

/**
 * One colour a capability, the same on every model's chart: capabilities in alphabetical order
 * ("*" first) take the charts' colours in turn.
 */
export function capabilityColors(models: readonly ModelStatus[]): Map<string, string> {
  const names = [...new Set(models.flatMap((m) => shownCurves(m).map((c) => c.capability)))].sort();
  return new Map(names.map((name, i) => [name, lineColors[i % lineColors.length]!]));
}

/** "72%": a share as a whole percentage. */
function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

/** A number to one decimal with a true minus sign: "1.9", "−0.4". */
export function signed(x: number, digits = 1): string {
  const text = Math.abs(x).toFixed(digits);
  return x < 0 && Number(text) !== 0 ? `−${text}` : text;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * "72% at its level (prior 79%), falls 1.9 per level (prior 0.9) — 140 attempts", after the
 * capability's name: how well the model does at its own level, how fast that falls as tasks get
 * harder (log-odds per level), each against the prior, and what it rests on.
 */
export function describeCurve(curve: SuccessCurve): string {
  if (curve.attempts === 0)
    return `${percent(curveSuccess(curve.prior, 0))} at its level, falls ${signed(curve.prior.slope)} per level — the prior, no attempts yet`;
  return (
    `${percent(curveSuccess(curve.learned, 0))} at its level (prior ${percent(curveSuccess(curve.prior, 0))}), ` +
    `falls ${signed(curve.learned.slope)} per level (prior ${signed(curve.prior.slope)}) — ${plural(curve.attempts, "attempt")}`
  );
}

/** "kind implement_idea: −0.4 log-odds, 60 attempts": a kind harder or easier than its curves say. */
export function describeKindCorrection(correction: ModelStatus["kindCorrections"][number]): string {
  const sign = correction.logOdds > 0 && signed(correction.logOdds) !== "0.0" ? "+" : "";
  return `kind ${correction.kind}: ${sign}${signed(correction.logOdds)} log-odds, ${plural(correction.attempts, "attempt")}`;
}

/** "12 attempts, 9 succeeded": what an observed point rests on. */
export function describePoint(point: SuccessCurve["points"][number]): string {
  return `${plural(point.attempts, "attempt")}, ${point.successes.toLocaleString("en-US")} succeeded`;
}
