import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gaussian } from "../../bench/detect/synthetic.ts";
import { mulberry32 } from "../../bench/scheduler/random.ts";
import { isStewardError } from "../../src/errors.ts";
import { contextualAnomaly } from "../../src/telemetry/detect/contextual-anomaly.ts";

/** A daily-like cycle of period 24 (a ramp up and down), with mild noise. */
function cycle(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const phase = i % 24;
    return 50 + (phase < 12 ? phase : 24 - phase) * 4 + 0.3 * gaussian(random);
  });
}

describe("contextual-anomaly (CAD OSE)", () => {
  it("learns a cycle (scores fall quiet) and raises an alarm when the cycle breaks", () => {
    const series = cycle(2_000, 7);
    // From 1,600: the cycle stops at its high for 30 points, a shape never seen.
    for (let i = 1_600; i < 1_630; i++) series[i] = 98;
    const { changePoints, scores } = contextualAnomaly.detect(series);
    const learned = scores.slice(1_200, 1_600);
    assert.ok(
      learned.every((s) => s < contextualAnomaly.defaults.alarmScore),
      `no alarm on the learned cycle (max ${Math.max(...learned)})`,
    );
    const hit = changePoints.find((i) => i >= 1_600 && i < 1_640);
    assert.ok(hit !== undefined, `an alarm within 40 points of the break, got ${changePoints.join(", ")}`);
  });

  it("rests after a high score: no two alarms closer than restPeriod", () => {
    const random = mulberry32(3);
    const noise = Array.from({ length: 1_500 }, () => gaussian(random));
    const { changePoints } = contextualAnomaly.detect(noise, { restPeriod: 100 });
    assert.ok(changePoints.length >= 2, `noise raises alarms: ${changePoints.join(", ")}`);
    for (let i = 1; i < changePoints.length; i++)
      assert.ok(changePoints[i]! - changePoints[i - 1]! > 100, changePoints.join(", "));
  });

  it("online, holds back the warm-up to fix the range, then scores as the whole-series run does with that range", () => {
    const series = cycle(800, 11);
    const online = contextualAnomaly.create({ warmup: 100 });
    const steps = series.map((x) => online.update(x));
    assert.ok(steps.slice(0, 100).every((s) => s.score === 0 && !s.alarm));
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of series.slice(0, 100)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const given = contextualAnomaly.detect(series, { min: lo, max: hi }).scores;
    assert.deepEqual(
      steps.slice(100).map((s) => s.score),
      given.slice(100),
    );
  });

  it("keeps its memory bounded on pure noise", () => {
    const random = mulberry32(5);
    const noise = Array.from({ length: 3_000 }, () => gaussian(random));
    const started = performance.now();
    contextualAnomaly.detect(noise, { maxContexts: 2_000 });
    assert.ok(performance.now() - started < 20_000, "3,000 points of noise within 20 s");
  });

  it("refuses bad parameters, naming them", () => {
    for (const raw of [
      { valueBits: 0 },
      { baseThreshold: 2 },
      { restPeriod: 0 },
      { alarmScore: 0 },
      { nope: 1 },
    ])
      assert.throws(
        () => contextualAnomaly.parse(raw),
        (error: unknown) =>
          isStewardError(error, "validation_failed") && error.message.includes(Object.keys(raw)[0]!),
      );
  });
});
