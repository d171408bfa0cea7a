import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { learnedDurationMs, outlook } from "../../src/scheduler/attempt-estimates.ts";
import { durationEwmaAlpha, recordOutcome } from "../../src/scheduler/learn.ts";
import { capabilityLevel, learnedSuccess, priorSuccess } from "../../src/scheduler/success-model.ts";
import { model, now, task } from "./scheduler-fixtures.ts";

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

describe("the success model", () => {
  it("takes the weakest required capability, and rises with level over complexity", () => {
    const m = model({ id: "sim-x", capabilities: { code: 8, reasoning: 4 } });
    assert.equal(capabilityLevel(m, task({ capabilities: ["code", "reasoning"] })), 4);
    assert.equal(capabilityLevel(m, task({ capabilities: [] })), 6);
    close(priorSuccess(5, 5), 0.97 / (1 + Math.exp(-0.9 * 1.5)));
    assert.ok(priorSuccess(3, 8) < priorSuccess(5, 8) && priorSuccess(5, 8) < priorSuccess(9, 8));
  });

  it("keeps the prior without a record, and blends it with a plain record", () => {
    assert.equal(learnedSuccess(0.7, undefined, 4), 0.7);
    close(learnedSuccess(0.7, { attempts: 6, successes: 3, meanDurationMs: null }, 4), (3 + 4 * 0.7) / 10);
  });

  it("applies a calibrated record's difference to this task's prior, in log-odds", () => {
    // The model did as well as the prior expected: no change.
    close(
      learnedSuccess(0.4, { attempts: 20, successes: 16, meanDurationMs: null, expectedSuccesses: 16 }, 4),
      0.4,
    );
    // Better than expected: higher for this task too, and worse: lower.
    const better = learnedSuccess(
      0.4,
      { attempts: 20, successes: 19, meanDurationMs: null, expectedSuccesses: 12 },
      4,
    );
    const worse = learnedSuccess(
      0.4,
      { attempts: 20, successes: 4, meanDurationMs: null, expectedSuccesses: 12 },
      4,
    );
    assert.ok(better > 0.6, `better ${better}`);
    assert.ok(worse < 0.2, `worse ${worse}`);
  });
});

describe("duration and outlook", () => {
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
