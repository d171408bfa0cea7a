import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SimProfile, simProfileSchema } from "../../src/models/model-config.ts";
import { drawSimRolls, type SimCall, simDrift, simOutcome } from "../../src/models/providers/sim-outcome.ts";

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

  it("drifts on schedule: nothing before afterMs, then the latency multiplied and the failure rate replaced", () => {
    const drifting = profile({
      failureRate: 0.1,
      drift: { afterMs: 60_000, rampMs: 0, latencyFactor: 4, failureRate: 0.5 },
    });
    const answered = (sinceFirstCallMs?: number) => simOutcome(call({ profile: drifting, sinceFirstCallMs }));
    // (100 + 10 × 200) × 1 = 2,100 ms before; × 4 after.
    assert.deepEqual(answered(59_999), {
      kind: "answered",
      latencyMs: 2_100,
      outputTokens: 200,
      truncated: false,
    });
    assert.deepEqual(answered(60_000), {
      kind: "answered",
      latencyMs: 8_400,
      outputTokens: 200,
      truncated: false,
    });
    assert.equal(
      (answered() as { latencyMs: number }).latencyMs,
      2_100,
      "no time since the first call, no drift",
    );
    const roll = { ...call().rolls, failure: 0.3 };
    assert.equal(
      simOutcome(call({ profile: drifting, rolls: roll, sinceFirstCallMs: 10_000 })).kind,
      "answered",
    );
    assert.deepEqual(simOutcome(call({ profile: drifting, rolls: roll, sinceFirstCallMs: 90_000 })), {
      kind: "server_error",
      latencyMs: 400,
    });
    // A drifted model may time out where it answered before.
    assert.equal(
      simOutcome(call({ profile: drifting, timeoutMs: 5_000, sinceFirstCallMs: 60_000 })).kind,
      "timeout",
    );
  });

  it("ramps linearly over rampMs, or steps at once without it", () => {
    const drift = { afterMs: 1_000, rampMs: 4_000, latencyFactor: 5, failureRate: 0.6 };
    assert.deepEqual(simDrift(drift, 0.2, 0), { latencyFactor: 1, failureRate: 0.2, progress: 0 });
    assert.deepEqual(simDrift(drift, 0.2, 1_000), { latencyFactor: 1, failureRate: 0.2, progress: 0 });
    const quarter = simDrift(drift, 0.2, 2_000); // a quarter of the way: 1 + 4 × ¼, 0.2 + 0.4 × ¼
    assert.deepEqual(
      { ...quarter, failureRate: Math.round(quarter.failureRate * 1e9) / 1e9 },
      {
        latencyFactor: 2,
        failureRate: 0.3,
        progress: 0.25,
      },
    );
    assert.deepEqual(simDrift(drift, 0.2, 5_000), { latencyFactor: 5, failureRate: 0.6, progress: 1 });
    assert.deepEqual(simDrift(drift, 0.2, 3_600_000), { latencyFactor: 5, failureRate: 0.6, progress: 1 });
    assert.deepEqual(simDrift({ ...drift, rampMs: 0 }, 0.2, 1_000), {
      latencyFactor: 5,
      failureRate: 0.6,
      progress: 1,
    });
    assert.deepEqual(
      simDrift({ afterMs: 0, rampMs: 0, latencyFactor: 3 }, 0.2, 1),
      {
        latencyFactor: 3,
        failureRate: 0.2,
        progress: 1,
      },
      "a drift without a failureRate keeps the profile's",
    );
    assert.deepEqual(simDrift(undefined, 0.2, 1_000_000), {
      latencyFactor: 1,
      failureRate: 0.2,
      progress: 0,
    });
  });

  it("ends at untilMs: the model is itself again", () => {
    const drift = { afterMs: 1_000, rampMs: 0, latencyFactor: 5, failureRate: 0.6, untilMs: 10_000 };
    assert.equal(simDrift(drift, 0.2, 9_999).progress, 1);
    assert.deepEqual(simDrift(drift, 0.2, 10_000), { latencyFactor: 1, failureRate: 0.2, progress: 0 });
    assert.deepEqual(simDrift(drift, 0.2, 86_400_000), { latencyFactor: 1, failureRate: 0.2, progress: 0 });
  });

  it("is validated like the other sim settings", () => {
    assert.deepEqual(profile({ drift: { afterMs: 5 } as never }).drift, {
      afterMs: 5,
      rampMs: 0,
      latencyFactor: 1,
    });
    for (const bad of [
      {},
      { afterMs: -1 },
      { afterMs: 1, latencyFactor: 0.5 },
      { afterMs: 1, failureRate: 2 },
      { afterMs: 1, speed: 2 },
      { afterMs: 1_000, rampMs: 500, untilMs: 1_500 },
    ])
      assert.equal(simProfileSchema.safeParse({ drift: bad }).success, false, JSON.stringify(bad));
  });
});
