import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  gaussian,
  meanShift,
  noiseFreeStep,
  nullSeries,
  outcomeOf,
  quantile,
  slowTrend,
} from "../../bench/detect/synthetic.ts";
import { mulberry32 } from "../../bench/scheduler/random.ts";
import { detectorNames, getDetector } from "../../src/telemetry/detect/index.ts";

/** Delay and false alarms of a detector (defaults) on `seeds` series of a scenario. */
function measure(name: string, scenario: typeof meanShift, seeds: number) {
  const delays: number[] = [];
  let missed = 0;
  let falseAlarms = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const outcome = outcomeOf(getDetector(name).detect(scenario.make(seed)).changePoints, scenario.change);
    if (outcome.delay === null) missed += 1;
    else delays.push(outcome.delay);
    falseAlarms += outcome.falseAlarms;
  }
  return { missed, p95: quantile(delays, 0.95) ?? Number.POSITIVE_INFINITY, falseAlarms };
}

describe("abrupt change detectors on a 2σ mean shift (50 seeds)", () => {
  // Bounds above what bench/detect.ts measures (docs/indicators.md), so that a regression of the
  // statistic, not the luck of a seed, fails them. CUSUM's tail is long: a false alarm just before
  // the shift puts it in warm-up when the shift comes.
  const bounds: Record<string, { p95: number; missed: number }> = {
    cusum: { p95: 30, missed: 0 },
    "page-hinkley": { p95: 25, missed: 0 },
    ewma: { p95: 35, missed: 0 },
    bocpd: { p95: 15, missed: 10 },
  };
  for (const [name, bound] of Object.entries(bounds))
    it(`${name} finds it within ${bound.p95} points (p95), missing at most ${bound.missed}`, () => {
      const m = measure(name, meanShift, 50);
      assert.ok(m.missed <= bound.missed, `${name} missed ${m.missed} of 50 shifts`);
      assert.ok(m.p95 <= bound.p95, `${name}: p95 delay ${m.p95} > ${bound.p95}`);
    });
});

describe("a noise-free step from 10 to 12 at point 500", () => {
  for (const name of detectorNames) {
    // The trend test needs its window to see the step as a trend; every other detector fires at once.
    const within = name === "mann-kendall" ? 14 : 0;
    it(`${name} fires within ${within} points of it and never before`, () => {
      const { changePoints } = getDetector(name).detect(noiseFreeStep.make(0));
      const outcome = outcomeOf(changePoints, 500);
      assert.equal(outcome.falseAlarms, 0, `alarms before the step: ${changePoints}`);
      assert.ok(outcome.delay !== null && outcome.delay <= within, `alarms: ${changePoints}`);
    });
  }
});

describe("false alarms on 40,000 points of N(100, 5²)", () => {
  // Per 10,000 points; measured (docs/indicators.md): cusum 22, ewma 7, bocpd 4, page-hinkley 0.
  const bounds: Record<string, number> = {
    cusum: 40,
    "page-hinkley": 3,
    ewma: 15,
    bocpd: 10,
    "knn-surprise": 12,
  };
  for (const [name, bound] of Object.entries(bounds))
    it(`${name} raises fewer than ${bound} per 10,000 points`, () => {
      const m = measure(name, nullSeries, 4);
      const per10k = m.falseAlarms / 4;
      assert.ok(per10k < bound, `${name}: ${per10k} false alarms per 10,000 points`);
    });
});

describe("the Mann–Kendall trend test on daily points", () => {
  it("flags a worsening of 3 % a week within 25 days in at least 48 of 50 series", () => {
    const m = measure("mann-kendall", slowTrend, 50);
    assert.ok(m.missed <= 2, `missed ${m.missed} of 50 trends`);
    assert.ok(m.p95 <= 25, `p95 delay ${m.p95} days`);
    assert.equal(m.falseAlarms, 0, "alarms in the 30 steady days");
  });

  it("flags at most 2 of 100 steady 90-day series (2 % noise, no trend)", () => {
    let flagged = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const random = mulberry32(seed);
      const series = Array.from({ length: 90 }, () => 100 + 2 * gaussian(random));
      if (getDetector("mann-kendall").detect(series).changePoints.length > 0) flagged += 1;
    }
    assert.ok(flagged <= 2, `${flagged} of 100 steady series flagged`);
  });

  it("ignores an improvement when only one direction is worse", () => {
    const improving = slowTrend.make(7).map((x) => 200 - x);
    assert.deepEqual(getDetector("mann-kendall").detect(improving, { worsening: "up" }).changePoints, []);
    assert.ok(getDetector("mann-kendall").detect(improving, { worsening: "down" }).changePoints.length > 0);
  });
});

describe("restarting after a change", () => {
  it("finds each of three steps (0 → 3σ → 0 → −3σ) with its onset", () => {
    const random = mulberry32(11);
    const level = (i: number) => (i < 300 ? 0 : i < 600 ? 3 : i < 900 ? 0 : -3);
    const series = Array.from({ length: 1_200 }, (_, i) => level(i) + gaussian(random));
    for (const name of ["cusum", "ewma", "page-hinkley", "bocpd"]) {
      const { changePoints, onsets } = getDetector(name).detect(series);
      for (const change of [300, 600, 900]) {
        const i = changePoints.findIndex((c) => c >= change && c < change + 40);
        assert.ok(i >= 0, `${name} missed the change at ${change}: ${changePoints}`);
        assert.ok(
          Math.abs(onsets[i]! - change) <= 15,
          `${name}: onset ${onsets[i]} for the change at ${change}`,
        );
      }
    }
  });
});
