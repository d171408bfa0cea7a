import { StewardError } from "../../errors.ts";
import { bocpd } from "./bocpd.ts";
import { contextualAnomaly } from "./contextual-anomaly.ts";
import { cusum } from "./cusum.ts";
import type { Detection, DetectorDefinition } from "./detector.ts";
import { ewma } from "./ewma.ts";
import { knnSurprise } from "./knn-surprise.ts";
import { mannKendallTrend } from "./mann-kendall.ts";
import { pageHinkley } from "./page-hinkley.ts";
import { windowedGaussian } from "./windowed-gaussian.ts";

/**
 * The change detectors, by name: what `steward detect`, the indicator alerts and the benchmark
 * use. Each is a pure function of the series and its parameters.
 */
export type { Detection, DetectorDefinition, OnlineDetector, Step } from "./detector.ts";
export { describeAllowed, type ParamSpec } from "./params.ts";

// biome-ignore lint/suspicious/noExplicitAny: the registry holds detectors of different parameter types
const registry: Record<string, DetectorDefinition<any>> = {
  [cusum.name]: cusum,
  [pageHinkley.name]: pageHinkley,
  [ewma.name]: ewma,
  [bocpd.name]: bocpd,
  [mannKendallTrend.name]: mannKendallTrend,
  [windowedGaussian.name]: windowedGaussian,
  [knnSurprise.name]: knnSurprise,
  [contextualAnomaly.name]: contextualAnomaly,
};

export const detectorNames: readonly string[] = Object.keys(registry);

/**
 * The detector `steward detect` uses when none is named: the best overall standard-profile NAB
 * score of bench/detect.ts (docs/indicators.md, "Change detection").
 */
export const defaultDetectorName = "contextual-anomaly";

export function getDetector(name: string): DetectorDefinition<Record<string, number | string | null>> {
  const detector = registry[name];
  if (!detector)
    throw new StewardError(
      "validation_failed",
      `unknown detector "${name}"; the detectors are: ${detectorNames.join(", ")}`,
      { details: { detector: name, allowed: detectorNames } },
    );
  return detector;
}

/** Each detector's default parameters. */
export function detectorDefaults(name: string): Record<string, number | string | null> {
  return { ...getDetector(name).defaults };
}

/** Validates settings for a named detector (unknown keys and bad values throw, naming them). */
export function parseDetectorParams(name: string, raw?: unknown): Record<string, number | string | null> {
  return getDetector(name).parse(raw);
}

/** Runs a detector by name over a whole series. */
export function runDetector(
  name: string,
  series: readonly number[],
  rawParams?: unknown,
): Detection & { detector: string; n: number; params: Record<string, number | string | null> } {
  const detector = getDetector(name);
  const params = detector.parse(rawParams);
  return { detector: name, n: series.length, params, ...detector.detect(series, params) };
}
