/**
 * Detection delay and false alarms of one detector on the synthetic scenarios, over many seeds.
 */
import type { DetectorDefinition } from "../../src/telemetry/detect/index.ts";
import { outcomeOf, quantile, type Scenario, scenarios } from "./synthetic.ts";

export interface ScenarioMeasure {
  scenario: string;
  series: number;
  detected: number;
  medianDelay: number | null;
  p95Delay: number | null;
  /** Alarms before the change (on the null series: all alarms), per 10,000 points scanned. */
  falseAlarmsPer10k: number;
}

export function measureSynthetic(
  // biome-ignore lint/suspicious/noExplicitAny: any detector of the registry
  detector: DetectorDefinition<any>,
  seeds: { changes: number; nulls: number },
): ScenarioMeasure[] {
  return scenarios.map((scenario: Scenario) => {
    // The noise-free step is the same series for every seed: once is enough.
    const count =
      scenario.name === "noise-free step" ? 1 : scenario.change === null ? seeds.nulls : seeds.changes;
    const delays: number[] = [];
    let falseAlarms = 0;
    let scanned = 0;
    for (let seed = 1; seed <= count; seed++) {
      const series = scenario.make(seed);
      const outcome = outcomeOf(detector.detect(series).changePoints, scenario.change);
      if (outcome.delay !== null) delays.push(outcome.delay);
      falseAlarms += outcome.falseAlarms;
      scanned += scenario.change ?? series.length;
    }
    return {
      scenario: scenario.name,
      series: count,
      detected: delays.length,
      medianDelay: quantile(delays, 0.5),
      p95Delay: quantile(delays, 0.95),
      falseAlarmsPer10k: (falseAlarms * 10_000) / scanned,
    };
  });
}
