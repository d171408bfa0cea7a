import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  expectedLateness,
  learnedDurationMs,
  modelDurationRatio,
  outlook,
} from "../../src/scheduler/attempt-estimates.ts";
import { durationEwmaAlpha, recordOutcome } from "../../src/scheduler/learn.ts";
import {
  anyCapability,
  capabilityGaps,
  countedGap,
  countOutcome,
  curveSuccess,
  estimateSuccess,
  fitCurve,
  learnBelief,
  minSlope,
  noBelief,
  priorCurve,
} from "../../src/scheduler/success-curve.ts";
import { now, task } from "./scheduler-fixtures.ts";

const close = (actual: number, expected: number, within = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= within, `${actual} is not within ${within} of ${expected}`);

describe("recordOutcome", () => {
  it("starts a record with the first outcome", () => {
    assert.deepEqual(recordOutcome(undefined, { succeeded: true, durationMs: 1_200 }), {
      attempts: 1,
      successes: 1,
      meanDurationMs: 1_200,
    });
    assert.deepEqual(recordOutcome(undefined, { succeeded: false, durationMs: 900 }), {
      attempts: 1,
      successes: 0,
      meanDurationMs: null,
    });
  });

  it("moves the mean duration by α = 0.2 of a success's difference, and ignores failures' durations", () => {
    assert.equal(durationEwmaAlpha, 0.2);
    const before = { attempts: 4, successes: 3, meanDurationMs: 1_000 };
    assert.deepEqual(recordOutcome(before, { succeeded: true, durationMs: 2_000 }), {
      attempts: 5,
      successes: 4,
      meanDurationMs: 1_200,
    });
    assert.deepEqual(recordOutcome(before, { succeeded: false, durationMs: 60_000 }), {
      attempts: 5,
      successes: 3,
      meanDurationMs: 1_000,
    });
    // After n equal samples x from mean m: m + (x − m)(1 − 0.8ⁿ).
    let stats = recordOutcome(undefined, { succeeded: true, durationMs: 1_000 });
    for (let i = 0; i < 10; i++) stats = recordOutcome(stats, { succeeded: true, durationMs: 2_000 });
    close(stats.meanDurationMs!, 1_000 + 1_000 * (1 - 0.8 ** 10), 1e-6);
  });

  it("sums the prior's expectations and smooths actual ÷ prior durations when it is given them", () => {
    let stats = recordOutcome(undefined, {
      succeeded: true,
      durationMs: 3_000,
      priorSuccess: 0.8,
      priorDurationMs: 2_000,
    });
    assert.equal(stats.expectedSuccesses, 0.8);
    assert.equal(stats.meanDurationRatio, 1.5);
    stats = recordOutcome(stats, {
      succeeded: false,
      durationMs: 500,
      priorSuccess: 0.6,
      priorDurationMs: 2_000,
    });
    close(stats.expectedSuccesses!, 1.4);
    assert.equal(stats.meanDurationRatio, 1.5);
    stats = recordOutcome(stats, {
      succeeded: true,
      durationMs: 1_000,
      priorSuccess: 0.9,
      priorDurationMs: 1_000,
    });
    close(stats.meanDurationRatio!, 1.5 + 0.2 * (1 - 1.5));
  });

  it("does not start a calibration sum over a record that lacks one (it would be partial)", () => {
    const legacy = { attempts: 10, successes: 7, meanDurationMs: 5_000 };
    const next = recordOutcome(legacy, {
      succeeded: true,
      durationMs: 5_000,
      priorSuccess: 0.9,
      priorDurationMs: 4_000,
    });
    assert.equal(next.expectedSuccesses, undefined);
    assert.equal(next.meanDurationRatio, undefined);
  });
});

describe("the success curves", () => {
  it("judges a task on each capability it requires, or on the mean level when it requires none", () => {
    const levels = { code: 8, reasoning: 4 };
    assert.deepEqual(capabilityGaps(levels, task({ capabilities: ["code", "reasoning"], complexity: 5 })), [
      { capability: "code", level: 8, gap: 3 },
      { capability: "reasoning", level: 4, gap: -1 },
    ]);
    assert.deepEqual(capabilityGaps(levels, task({ capabilities: [], complexity: 5 })), [
      { capability: anyCapability, level: 6, gap: 1 },
    ]);
  });

  it("starts from the prior: ≈ 79 % at the model's own level, rising with the level", () => {
    const p = (gap: number) => estimateSuccess(noBelief, [{ capability: "code", level: 5, gap }], "k");
    close(p(0).probability, 1 / (1 + Math.exp(-priorCurve.offset)));
    assert.ok(p(-3).probability < p(0).probability && p(0).probability < p(3).probability);
    assert.equal(p(0).prior, p(0).probability);
    assert.deepEqual(fitCurve([]), { ...priorCurve, attempts: 0, successes: 0 });
  });

  it("learns a steep curve: 75 % at the level, 25 % one below, 4 % two below", () => {
    const truth: [number, number][] = [
      [2, 0.97],
      [1, 0.92],
      [0, 0.75],
      [-1, 0.25],
      [-2, 0.04],
    ];
    const curve = fitCurve(truth.map(([gap, p]) => ({ gap, attempts: 400, successes: Math.round(400 * p) })));
    for (const [gap, p] of truth) {
      const fitted = curveSuccess(curve, gap);
      assert.ok(Math.abs(fitted - p) < 0.08, `gap ${gap}: ${fitted.toFixed(3)} vs ${p}`);
    }
    assert.ok(curve.slope > 1.5, `slope ${curve.slope}`);
  });

  it("keeps a curve from falling as the level rises, and the prior's pull on a few outcomes", () => {
    const inverted = fitCurve([
      { gap: -3, attempts: 50, successes: 45 },
      { gap: 3, attempts: 50, successes: 5 },
    ]);
    assert.equal(inverted.slope, minSlope);
    const few = fitCurve([{ gap: 0, attempts: 2, successes: 0 }]);
    assert.ok(few.offset > 0, `two failures do not overturn the prior: offset ${few.offset}`);
  });

  it("keeps capabilities apart: weak at one, strong at another", () => {
    let counts = countOutcome([], {
      kind: "write",
      gaps: [{ capability: "writing", gap: 0 }],
      succeeded: true,
    });
    for (let i = 0; i < 60; i++) {
      counts = countOutcome(counts, {
        kind: "fix",
        gaps: [{ capability: "code", gap: 0 }],
        succeeded: i % 6 === 0,
      });
      counts = countOutcome(counts, {
        kind: "write",
        gaps: [{ capability: "writing", gap: 0 }],
        succeeded: i % 12 !== 0,
      });
    }
    const belief = learnBelief(counts);
    const at = (capability: string, kind: string) =>
      estimateSuccess(belief, [{ capability, level: 5, gap: 0 }], kind).probability;
    assert.ok(at("code", "fix") < 0.3, `code ${at("code", "fix")}`);
    assert.ok(at("writing", "write") > 0.85, `writing ${at("writing", "write")}`);
    // Each kind is its capability's only user: the curves fit it, and no kind correction is needed.
    assert.deepEqual(belief.kinds, {});
  });

  it("corrects a kind that does worse than the others sharing its capability, and decides by the weakest capability", () => {
    let counts: ReturnType<typeof countOutcome> = [];
    for (let i = 0; i < 80; i++) {
      counts = countOutcome(counts, {
        kind: "easy",
        gaps: [{ capability: "code", gap: 0 }],
        succeeded: i % 10 !== 0,
      });
      counts = countOutcome(counts, {
        kind: "tricky",
        gaps: [{ capability: "code", gap: 0 }],
        succeeded: i % 2 === 0,
      });
    }
    const belief = learnBelief(counts);
    assert.ok(belief.kinds.tricky!.logOdds < -0.5 && belief.kinds.easy!.logOdds > 0.5);
    const both = [
      { capability: "code", level: 5, gap: 0 },
      { capability: "reasoning", level: 2, gap: -3 },
    ];
    const estimate = estimateSuccess(belief, both, "easy");
    assert.equal(estimate.capability, "reasoning");
    assert.ok(estimate.probability < 0.5);
  });

  it("counts an outcome once per capability, at its rounded gap within ±10", () => {
    const counts = countOutcome([], {
      kind: "k",
      gaps: [
        { capability: "code", gap: 2.4 },
        { capability: "reasoning", gap: -14 },
      ],
      succeeded: false,
    });
    assert.deepEqual(counts, [
      { capability: "code", kind: "k", gap: 2, attempts: 1, successes: 0 },
      { capability: "reasoning", kind: "k", gap: -10, attempts: 1, successes: 0 },
    ]);
    assert.equal(countedGap(7, 5.5), 2);
  });
});

describe("duration and outlook", () => {
  it("prices an uncertain wait by its chance of running late", () => {
    close(expectedLateness(-5_000, 0), 5_000);
    close(expectedLateness(5_000, 0), 0);
    // An exponential wait of mean 10 s with 10 s to spare: late by 10 × e⁻¹ s on average.
    close(expectedLateness(10_000, 10_000), 10_000 * Math.exp(-1));
    close(expectedLateness(-3_000, 10_000), 13_000);
  });

  it("expects a model seen fast on one kind to be fast on another", () => {
    const stats = { a: { attempts: 10, successes: 8, meanDurationMs: 250, meanDurationRatio: 0.25 } };
    const ratio = modelDurationRatio(stats, 2);
    close(ratio, (8 * 0.25 + 2) / 10);
    close(learnedDurationMs(1_000, undefined, 2, ratio), 1_000 * ratio);
    // The kind's own record weighs its successes against the model's.
    close(
      learnedDurationMs(
        1_000,
        { attempts: 2, successes: 2, meanDurationMs: 500, meanDurationRatio: 0.5 },
        2,
        ratio,
      ),
      (1_000 * (2 * 0.5 + 2 * ratio)) / 4,
    );
  });

  it("scales the prior by a learned ratio, shrunk by the prior's pseudo-successes", () => {
    assert.equal(learnedDurationMs(1_000, undefined, 2), 1_000);
    const stats = { attempts: 8, successes: 8, meanDurationMs: 4_000, meanDurationRatio: 2 };
    close(learnedDurationMs(1_000, stats, 2), (1_000 * (8 * 2 + 2)) / 10);
    close(
      learnedDurationMs(1_000, { attempts: 2, successes: 2, meanDurationMs: 4_000 }, 2),
      (2 * 4_000 + 2 * 1_000) / 4,
    );
  });

  it("expects lateness over the attempts left, and a failure for good to cost one more window", () => {
    const base = {
      durationMs: 60_000,
      startDelayMs: 0,
      retryOverheadMs: 10_000,
      now,
      deadline: now + 90_000,
      readyAt: now - 30_000,
    };
    const sure = outlook({ ...base, success: 1, attemptsLeft: 3 });
    assert.equal(sure.addedTardinessMs, 0);
    assert.equal(sure.completionMs, 60_000);
    assert.equal(sure.expectedAttempts, 1);
    // p = 0.5, two attempts: ends at 60 s (on time), 130 s (40 s late), or fails: 40 s late + 120 s window.
    const coin = outlook({ ...base, success: 0.5, attemptsLeft: 2 });
    close(coin.addedTardinessMs, 0.25 * 40_000 + 0.25 * (40_000 + 120_000));
    close(coin.expectedAttempts, 1.5);
    close(coin.failure, 0.25);
    close(coin.completionMs, (0.5 * 60_000 + 0.25 * 130_000) / 0.75);
  });
});
