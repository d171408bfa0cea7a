import type { SuccessCount } from "./scheduler-types.ts";

/**
 * The learned success curve of one model on one capability: the probability that one attempt
 * succeeds, against the gap between the model's declared level and the task's complexity,
 *
 *   p(gap) = σ(offset + slope × gap)
 *
 * a logistic whose offset (how well the model does at its own level) and slope (how steeply it
 * falls off above it) are fitted to what happened (SuccessCount), starting from a prior. The fit
 * is the maximum a posteriori estimate under a Gaussian prior on both parameters, by Newton's
 * method: deterministic, a few microseconds per curve, the same in production and in the
 * simulator because both call this code on counts kept the same way (the SQL that keeps them in
 * src/tasks/complete-tasks.ts is held equal to countOutcome() by test/scheduler/success-curve-contract.test.ts).
 *
 * Counts, not running estimates, are what is stored: adding a batch of outcomes is the same as
 * adding them one by one, in any order, on any number of workers.
 */

export interface CurveParams {
  offset: number;
  slope: number;
}

/**
 * The prior: a level means "handles tasks of this complexity well". σ(1.35) ≈ 0.79 at gap 0,
 * ≈ 0.21 three levels below, ≈ 0.98 three above (the shape the scheduler assumed before it
 * learned curves: 0.9 per level, centred 1.5 levels below the declared one).
 */
export const priorCurve: Readonly<CurveParams> = Object.freeze({ offset: 1.35, slope: 0.9 });

/**
 * Standard deviations of the Gaussian prior. With the information an attempt carries near 80 %
 * success (p(1 − p) ≈ 0.16 per attempt on the offset), the prior weighs as much as about six
 * attempts on each parameter: a handful of outcomes starts to move the curve, a hundred decide it.
 */
export const priorSd: Readonly<CurveParams> = Object.freeze({ offset: 1, slope: 0.5 });

/** A curve never falls as the level rises: the slope stays at least this. */
export const minSlope = 0.05;
/** Bounds on any estimate, so that nothing is ever certain and retries never look infinite. */
export const minSuccess = 0.02;
export const maxSuccess = 0.99;
/** Gaps are counted rounded to whole levels, within ±maxGap. */
export const maxGap = 10;
/** A kind's correction of its capabilities' curves is shrunk towards none by this many pseudo-attempts. */
export const kindPriorStrength = 4;
/** And bounded, in log-odds: a kind is not believed more than e³ ≈ 20 times better or worse in odds. */
const maxKindLogOdds = 3;

/** The capability under which a task that requires none is counted: judged by the mean level. */
export const anyCapability = "*";

export interface FittedCurve extends CurveParams {
  attempts: number;
  successes: number;
}

export function curveSuccess(curve: CurveParams, gap: number): number {
  return clampSuccess(sigmoid(curve.offset + curve.slope * gap));
}

/** The gap an outcome is counted at. */
export function countedGap(level: number, complexity: number): number {
  return Math.max(-maxGap, Math.min(maxGap, Math.round(level - complexity)));
}

/**
 * The maximum a posteriori curve for the outcomes at each gap. With nothing counted it is the
 * prior itself.
 */
export function fitCurve(
  points: readonly Pick<SuccessCount, "gap" | "attempts" | "successes">[],
): FittedCurve {
  let attempts = 0;
  let successes = 0;
  for (const point of points) {
    attempts += point.attempts;
    successes += point.successes;
  }
  let { offset: a, slope: b } = priorCurve;
  if (attempts === 0) return { offset: a, slope: b, attempts, successes };
  const precisionA = 1 / priorSd.offset ** 2;
  const precisionB = 1 / priorSd.slope ** 2;
  for (let iteration = 0; iteration < 50; iteration++) {
    // Gradient and Hessian of the negative log posterior.
    let ga = precisionA * (a - priorCurve.offset);
    let gb = precisionB * (b - priorCurve.slope);
    let haa = precisionA;
    let hab = 0;
    let hbb = precisionB;
    for (const { gap, attempts: n, successes: s } of points) {
      if (n === 0) continue;
      const p = sigmoid(a + b * gap);
      const residual = n * p - s;
      const w = n * p * (1 - p);
      ga += residual;
      gb += residual * gap;
      haa += w;
      hab += w * gap;
      hbb += w * gap * gap;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b = Math.max(minSlope, b - db);
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { offset: a, slope: b, attempts, successes };
}

/** What was learned about one model: a curve per capability, a correction per kind. */
export interface SuccessBelief {
  curves: Record<string, FittedCurve>;
  /** Kind → its correction of the curves, in log-odds, and the attempts it rests on. */
  kinds: Record<string, { logOdds: number; attempts: number }>;
}

export const noBelief: Readonly<SuccessBelief> = Object.freeze({ curves: {}, kinds: {} });

/**
 * Fits each capability's curve to the counts of every kind, then gives each kind the shrunk
 * difference, in log-odds, between how often it succeeded and how often the curves said it would.
 * A kind that is its capabilities' only user gets no correction (the curves were fitted to it); one
 * that is harder than the others sharing its capabilities is believed harder. For a kind requiring
 * several capabilities, what the curves said is taken from the one that predicted fewest successes.
 */
export function learnBelief(counts: readonly SuccessCount[]): SuccessBelief {
  if (counts.length === 0) return noBelief;
  const byCapability = groupBy(counts, (c) => c.capability);
  const curves: Record<string, FittedCurve> = {};
  for (const [capability, rows] of byCapability) curves[capability] = fitCurve(rows);

  // A kind that is the only one counted under each of its capabilities has nothing to differ
  // from: its curves were fitted to it alone (a correction would only undo the prior's pull).
  const kindsOf = new Map(
    [...byCapability].map(([capability, rows]) => [capability, new Set(rows.map((r) => r.kind))]),
  );
  const kinds: SuccessBelief["kinds"] = {};
  for (const [kind, rows] of groupBy(counts, (c) => c.kind)) {
    if (rows.every((row) => kindsOf.get(row.capability)!.size === 1)) continue;
    let predicted = Number.POSITIVE_INFINITY;
    let attempts = 0;
    let successes = 0;
    for (const [capability, ofCapability] of groupBy(rows, (c) => c.capability)) {
      const curve = curves[capability]!;
      let expected = 0;
      let n = 0;
      let s = 0;
      for (const row of ofCapability) {
        expected += row.attempts * curveSuccess(curve, row.gap);
        n += row.attempts;
        s += row.successes;
      }
      if (expected < predicted) {
        predicted = expected;
        attempts = n;
        successes = s;
      }
    }
    if (attempts === 0) continue;
    const meanPredicted = clampSuccess(predicted / attempts);
    const observed = clampSuccess(
      (successes + kindPriorStrength * meanPredicted) / (attempts + kindPriorStrength),
    );
    const logOdds = logit(observed) - logit(meanPredicted);
    kinds[kind] = { logOdds: Math.max(-maxKindLogOdds, Math.min(maxKindLogOdds, logOdds)), attempts };
  }
  return { curves, kinds };
}

/** One required capability as the scheduler judged it: the model's level in it and the gap. */
export interface CapabilityGap {
  capability: string;
  level: number;
  gap: number;
}

/**
 * The levels a task is judged on: each capability it requires (a task needs all of them), or,
 * when it requires none, the mean of the model's declared levels (5 when it declares none).
 */
export function capabilityGaps(
  capabilities: Readonly<Record<string, number>>,
  task: { capabilities: readonly string[]; complexity: number },
): CapabilityGap[] {
  if (task.capabilities.length > 0) {
    return task.capabilities.map((capability) => {
      const level = capabilities[capability] ?? 0;
      return { capability, level, gap: level - task.complexity };
    });
  }
  const levels = Object.values(capabilities);
  const level = levels.length === 0 ? 5 : levels.reduce((sum, l) => sum + l, 0) / levels.length;
  return [{ capability: anyCapability, level, gap: level - task.complexity }];
}

export interface SuccessEstimate {
  /** The prior's probability (no learning). */
  prior: number;
  /** The learned probability: the weakest capability's curve, corrected for the kind. */
  probability: number;
  /** The capability whose curve decided, with its learned parameters. */
  capability: string;
  curve: CurveParams;
  /** The kind's correction, log-odds (0 when none was learned). */
  kindLogOdds: number;
}

/** The probability that one attempt of `task` succeeds on a model with this belief. */
export function estimateSuccess(
  belief: SuccessBelief,
  gaps: readonly CapabilityGap[],
  kind: string,
): SuccessEstimate {
  let prior = Number.POSITIVE_INFINITY;
  let best: { capability: string; curve: CurveParams; p: number } | null = null;
  for (const { capability, gap } of gaps) {
    prior = Math.min(prior, curveSuccess(priorCurve, gap));
    const curve = belief.curves[capability] ?? priorCurve;
    const p = curveSuccess(curve, gap);
    if (best === null || p < best.p) best = { capability, curve, p };
  }
  const chosen = best!;
  const kindLogOdds = belief.kinds[kind]?.logOdds ?? 0;
  return {
    prior,
    probability: clampSuccess(sigmoid(logit(chosen.p) + kindLogOdds)),
    capability: chosen.capability,
    curve: { offset: chosen.curve.offset, slope: chosen.curve.slope },
    kindLogOdds,
  };
}

/**
 * Adds one finished attempt to a model's counts: once per capability the task was judged on,
 * at that capability's gap. Pure; the completion statement does the same in SQL.
 */
export function countOutcome(
  counts: readonly SuccessCount[],
  outcome: { kind: string; gaps: readonly Pick<CapabilityGap, "capability" | "gap">[]; succeeded: boolean },
): SuccessCount[] {
  const next = counts.map((c) => ({ ...c }));
  for (const { capability, gap } of outcome.gaps) {
    const at = countedGap(gap, 0);
    let row = next.find((c) => c.capability === capability && c.kind === outcome.kind && c.gap === at);
    if (row === undefined) {
      row = { capability, kind: outcome.kind, gap: at, attempts: 0, successes: 0 };
      next.push(row);
    }
    row.attempts++;
    if (outcome.succeeded) row.successes++;
  }
  return next;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

export function clampSuccess(p: number): number {
  return Math.min(maxSuccess, Math.max(minSuccess, p));
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
