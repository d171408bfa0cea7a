import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SimProfile, simProfileSchema } from "../../src/models/model-config.ts";
import { drawSimRolls, type SimCall, simOutcome } from "../../src/models/providers/sim-outcome.ts";

const profile = (over: Partial<SimProfile> = {}): SimProfile =>
  simProfileSchema.parse({ baseLatencyMs: 100, perOutputTokenMs: 10, jitter: 0.5, ...over });

/** A call at t = 1 s outside any burst, with draws that trigger nothing and sit mid-range. */
const call = (over: Partial<SimCall> = {}): SimCall => ({
  profile: profile(),
  now: 1_000,
  burstUntil: 0,
  meanOutputTokens: 200,
  timeoutMs: 120_000,
  rolls: { burst: 0.9, failure: 0.9, length: 0.5, jitter: 0.5 },
  ...over,
});

describe("a simulated call's outcome", () => {
  it("takes four draws in order", () => {
    const values = [0.1, 0.2, 0.3, 0.4, 0.5];
    assert.deepEqual(
      drawSimRolls(() => values.shift()!),
      { burst: 0.1, failure: 0.2, length: 0.3, jitter: 0.4 },
    );
    assert.deepEqual(values, [0.5], "and no more");
  });

  it("answers after base + per-token latency × jitter, with output around its mean", () => {
    // 200 × (0.5 + 0.25) = 150 tokens; (100 + 10 × 150) × (1 − 0.5 + 2 × 0.5 × 0.1) = 1,600 × 0.6.
    assert.deepEqual(simOutcome(call({ rolls: { burst: 0.9, failure: 0.9, length: 0.25, jitter: 0.1 } })), {
      kind: "answered",
      latencyMs: 1_600 * 0.6,
      outputTokens: 150,
      truncated: false,
    });
  });

  it("cuts the output at maxOutputTokens, and takes the time of what it wrote", () => {
    assert.deepEqual(simOutcome(call({ maxOutputTokens: 50 })), {
      kind: "answered",
      latencyMs: 100 + 10 * 50,
      outputTokens: 50,
      truncated: true,
    });
  });

  it("refuses with 429 in a burst, and a call that starts one sets when it ends", () => {
    const bursty = profile({ rateLimitBurstRate: 0.5, rateLimitBurstMs: 8_000, retryAfterSeconds: 3 });
    assert.deepEqual(simOutcome(call({ profile: bursty, rolls: { ...call().rolls, burst: 0.2 } })), {
      kind: "rate_limited",
      retryAfterMs: 3_000,
      burstUntil: 9_000,
    });
    assert.deepEqual(simOutcome(call({ profile: bursty, burstUntil: 4_000 })), {
      kind: "rate_limited",
      retryAfterMs: 3_000,
      burstUntil: 4_000,
    });
    assert.equal(simOutcome(call({ profile: bursty, burstUntil: 1_000 })).kind, "answered", "a burst ends");
  });

  it("fails with a server error after the time to first token, and times out before that", () => {
    const failing = profile({ failureRate: 0.5 });
    const failed = { ...call().rolls, failure: 0.1 };
    assert.deepEqual(simOutcome(call({ profile: failing, rolls: failed })), {
      kind: "server_error",
      latencyMs: 100,
    });
    assert.deepEqual(simOutcome(call({ profile: failing, rolls: failed, timeoutMs: 50 })), {
      kind: "timeout",
      latencyMs: 50,
      wouldTakeMs: 100,
    });
    assert.deepEqual(simOutcome(call({ timeoutMs: 1_000 })), {
      kind: "timeout",
      latencyMs: 1_000,
      wouldTakeMs: 2_100,
    });
  });
});
