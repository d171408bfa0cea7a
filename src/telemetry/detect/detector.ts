import { StewardError } from "../../errors.ts";
import { defaultsOf, type ParamSpecs, parseParams } from "./params.ts";

/**
 * The shape every change detector shares.
 *
 * A detector is fed one value at a time (`update`). Each step says whether it raises an alarm
 * and gives an anomaly score in [0, 1] that grows with the detector's statistic (for the
 * threshold charts, 0.5 at the alarm threshold and above it when the alarm overshoots). The score is what the NAB benchmark sweeps a threshold over;
 * the alarm is what Steward acts on. After an alarm a detector restarts from the new level, so
 * one series can hold several changes.
 */
export interface Step {
  alarm: boolean;
  score: number;
  /** With an alarm: the index (0-based, in points fed) where the detector estimates the change began. */
  onset?: number;
}

export interface OnlineDetector {
  update(x: number): Step;
}

export interface Detection {
  /** 0-based indices of the points at which an alarm was raised (the detection time). */
  changePoints: number[];
  /** For each change point, where the change is estimated to have begun (≤ the change point). */
  onsets: number[];
  /** The anomaly score of every point, in [0, 1]. */
  scores: number[];
}

export interface DetectorDefinition<P> {
  name: string;
  summary: string;
  params: ParamSpecs<P>;
  defaults: P;
  /** Validated parameters from settings: unknown keys and bad values throw StewardError. */
  parse(raw?: unknown): P;
  create(params?: Partial<P>): OnlineDetector;
  detect(series: readonly number[], params?: Partial<P>): Detection;
}

export function defineDetector<P>(spec: {
  name: string;
  summary: string;
  params: ParamSpecs<P>;
  make: (params: P) => OnlineDetector;
  /**
   * What a whole series tells that an online run must estimate (e.g. its range): applied by
   * `detect`, never by `create`.
   */
  fromSeries?: (series: readonly number[], params: P) => P;
}): DetectorDefinition<P> {
  const parse = (raw?: unknown) => parseParams(spec.name, spec.params, raw ?? {});
  const create = (params?: Partial<P>) => spec.make(parse(params));
  const fromSeries = spec.fromSeries;
  return {
    name: spec.name,
    summary: spec.summary,
    params: spec.params,
    defaults: defaultsOf(spec.params),
    parse,
    create,
    detect: (series, params) =>
      runOnline(
        spec.name,
        fromSeries ? spec.make(fromSeries(series, parse(params))) : create(params),
        series,
      ),
  };
}

/** A non-finite value would poison every running sum after it: refuse it, naming its index. */
export function requireFinite(detector: string, x: number, index: number): void {
  if (!Number.isFinite(x))
    throw new StewardError(
      "validation_failed",
      `detector ${detector}: value at index ${index} is ${x}; every value must be a finite number`,
      { details: { detector, index } },
    );
}

/** Feeds a whole series through an online detector and collects its alarms and scores. */
export function runOnline(name: string, detector: OnlineDetector, series: readonly number[]): Detection {
  const changePoints: number[] = [];
  const onsets: number[] = [];
  const scores = new Array<number>(series.length);
  for (let i = 0; i < series.length; i++) {
    const x = series[i]!;
    requireFinite(name, x, i);
    const step = detector.update(x);
    scores[i] = step.score;
    if (step.alarm) {
      changePoints.push(i);
      onsets.push(Math.min(i, Math.max(0, step.onset ?? i)));
    }
  }
  return { changePoints, onsets, scores };
}

export const clip01 = (x: number): number => Math.min(Math.max(x, 0), 1);

/**
 * The score of a statistic against its alarm threshold: s / (s + threshold), so 0.5 at the
 * threshold and closer to 1 the further an alarm overshoots it. Clipping s / threshold at 1
 * would give every alarm the same score, and a threshold sweep could not rank them.
 */
export const thresholdScore = (statistic: number, threshold: number): number =>
  statistic <= 0 ? 0 : statistic / (statistic + threshold);
