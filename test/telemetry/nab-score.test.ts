import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NabSeries } from "../../bench/detect/nab-corpus.ts";
import { probationLength, profiles, scaledSigmoid, scoreNab } from "../../bench/detect/nab-score.ts";

// Hand-computed cases of NAB's sweeper.py, so that the benchmark's numbers rest on a scorer
// whose every rule is checked: window placement, probation, the scaled sigmoid, the weight of a
// false positive after a window, the threshold sweep and the normalisation.
const standard = profiles.find((p) => p.name === "standard")!;

/** 100 points, probation 15; one window [40, 49] (width 10). */
function oneWindow(): NabSeries {
  return {
    name: "t/a.csv",
    category: "t",
    values: new Array(100).fill(0),
    windows: [{ start: 40, end: 49 }],
  };
}

function scoresWith(hits: Record<number, number>, n = 100): number[] {
  return Array.from({ length: n }, (_, i) => hits[i] ?? 0);
}

describe("NAB scoring (sweeper.py)", () => {
  it("cuts the scaled sigmoid at 3 and probation at min(⌊0.15 n⌋, 750)", () => {
    assert.equal(scaledSigmoid(3), -1);
    assert.ok(Math.abs(scaledSigmoid(-1) - 0.98661) < 1e-5);
    assert.equal(scaledSigmoid(0), 0);
    assert.equal(probationLength(100), 15);
    assert.equal(probationLength(22_000), 750);
  });

  it("a detection at a window's first point earns A_TP: normalised 100", () => {
    const r = scoreNab([oneWindow()], [scoresWith({ 40: 1 })], standard);
    assert.ok(Math.abs(r.raw - 1) < 1e-12);
    assert.ok(Math.abs(r.score - 100) < 1e-9);
    assert.equal(r.detectedWindows, 1);
  });

  it("only the earliest detection of a window counts; later ones in it cost nothing", () => {
    const r = scoreNab([oneWindow()], [scoresWith({ 45: 1, 48: 1 })], standard);
    // Index 45: −(49 − 45 + 1)/10 = −0.5 → σ̃(−0.5)/σ̃(−1).
    assert.ok(Math.abs(r.raw - scaledSigmoid(-0.5) / scaledSigmoid(-1)) < 1e-12);
  });

  it("a false positive before the first window costs A_FP; one after costs by its distance", () => {
    const before = scoreNab([oneWindow()], [scoresWith({ 20: 1, 40: 1 })], standard);
    assert.ok(Math.abs(before.raw - (1 - 0.11)) < 1e-12);
    // Index 52: 3 points past the window's end, over width − 1 = 9.
    const after = scoreNab([oneWindow()], [scoresWith({ 40: 1, 52: 1 })], standard);
    assert.ok(Math.abs(after.raw - (1 + 0.11 * scaledSigmoid(3 / 9))) < 1e-12);
    assert.equal(after.falsePositives, 1);
  });

  it("ignores detections in the probation", () => {
    const r = scoreNab([oneWindow()], [scoresWith({ 5: 1, 40: 0.5 })], standard);
    assert.ok(Math.abs(r.raw - 1) < 1e-12);
    assert.equal(r.falsePositives, 0);
  });

  it("sweeps the threshold: a lower-scored false alarm is left out when it costs more than it earns", () => {
    // Window hit at 0.9; a false positive at 0.8 before the window; the best threshold is 0.9.
    const r = scoreNab([oneWindow()], [scoresWith({ 20: 0.8, 40: 0.9 })], standard);
    assert.equal(r.threshold, 0.9);
    assert.ok(Math.abs(r.raw - 1) < 1e-12);
  });

  it("scores the null detector 0 and counts a missed window −A_FN", () => {
    const r = scoreNab([oneWindow()], [scoresWith({})], standard);
    assert.equal(r.raw, -1);
    assert.equal(r.score, 0);
    const lowFn = profiles.find((p) => p.name === "reward_low_FN_rate")!;
    assert.equal(scoreNab([oneWindow()], [scoresWith({})], lowFn).raw, -2);
  });
});
