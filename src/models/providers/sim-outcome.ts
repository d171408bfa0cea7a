import type { SimDrift, SimProfile } from "../model-config.ts";

/**
 * What one call to a simulated model does, as a pure function of its `sim` profile, the time, the
 * model's burst of 429s and four random draws. The `sim` provider (sim-client.ts) and the
 * scheduler benchmark's provider (bench/scheduler/sim-provider.ts) both call it, so that the
 * benchmark measures the provider the demo and the tests run on:
 *
 * - during a burst of rate limiting, a call fails at once with 429 and Retry-After
 *   (`retryAfterSeconds`); each call starts a burst of `rateLimitBurstMs` with probability
 *   `rateLimitBurstRate` (that call is refused too);
 * - a call that would take longer than the provider's timeout fails with a timeout after it;
 * - a call fails with a server error (500) with probability `failureRate`, after its time to
 *   first token;
 * - otherwise it answers after (baseLatencyMs + perOutputTokenMs × output tokens) × a factor
 *   uniform in [1 − jitter, 1 + jitter]; its output length is uniform within ±50 % of the mean,
 *   cut at the request's maxOutputTokens;
 * - with a `drift` in the profile and the time since the model's first call (`sinceFirstCallMs`),
 *   the latency is multiplied and the failure rate replaced as simDrift says, before all of the
 *   above (a drifted model may time out).
 */

/** The draws a call takes, each uniform in [0, 1). */
export interface SimRolls {
  burst: number;
  failure: number;
  length: number;
  jitter: number;
}

/** Takes a call's four draws, always all four and in this order: the outcome is a function of them. */
export function drawSimRolls(random: () => number): SimRolls {
  const burst = random();
  const failure = random();
  const length = random();
  const jitter = random();
  return { burst, failure, length, jitter };
}

export interface SimCall {
  profile: SimProfile;
  /** The clock's time of the call, in ms. */
  now: number;
  /** When the model's current burst of 429s ends, in the same clock; 0 outside a burst. */
  burstUntil: number;
  /** The mean output length: the profile's `outputTokens`, or a task's estimate in the benchmark. */
  meanOutputTokens: number;
  maxOutputTokens?: number;
  /** The provider's timeoutMs. */
  timeoutMs: number;
  /** Time since the simulator's first call to this model; no drift applies without it. */
  sinceFirstCallMs?: number;
  rolls: SimRolls;
}

/** How far a model has drifted: what its latency is multiplied by and its failure rate now. */
export interface SimDriftState {
  latencyFactor: number;
  failureRate: number;
  /** 0 before the drift, 1 once it has fully happened, in between during a ramp. */
  progress: number;
}

/**
 * The drift arithmetic: nothing before `afterMs`; then a step to the full drift, or with `rampMs`
 * a linear rise over that time, in both the latency factor (1 → latencyFactor) and the failure
 * rate (the profile's → the drift's); from `untilMs` on, nothing again.
 */
export function simDrift(
  drift: SimDrift | undefined,
  baseFailureRate: number,
  sinceFirstCallMs: number | undefined,
): SimDriftState {
  if (
    drift === undefined ||
    sinceFirstCallMs === undefined ||
    sinceFirstCallMs < drift.afterMs ||
    (drift.untilMs !== undefined && sinceFirstCallMs >= drift.untilMs)
  )
    return { latencyFactor: 1, failureRate: baseFailureRate, progress: 0 };
  const into = sinceFirstCallMs - drift.afterMs;
  const progress = drift.rampMs === 0 ? 1 : Math.min(1, into / drift.rampMs);
  const failureRate = drift.failureRate ?? baseFailureRate;
  return {
    latencyFactor: 1 + (drift.latencyFactor - 1) * progress,
    failureRate: baseFailureRate + (failureRate - baseFailureRate) * progress,
    progress,
  };
}

export type SimOutcome =
  /** `burstUntil`: when the burst this call fell in ends (the model's state from now on). */
  | { kind: "rate_limited"; retryAfterMs: number; burstUntil: number }
  /** `latencyMs` is the timeout; `wouldTakeMs` what the answer would have taken. */
  | { kind: "timeout"; latencyMs: number; wouldTakeMs: number }
  | { kind: "server_error"; latencyMs: number }
  /** `truncated`: the drawn length was cut at maxOutputTokens. */
  | { kind: "answered"; latencyMs: number; outputTokens: number; truncated: boolean };

export function simOutcome(call: SimCall): SimOutcome {
  const { profile, now, rolls } = call;
  const retryAfterMs = Math.round(profile.retryAfterSeconds * 1_000);
  if (now < call.burstUntil) return { kind: "rate_limited", retryAfterMs, burstUntil: call.burstUntil };
  if (rolls.burst < profile.rateLimitBurstRate)
    return { kind: "rate_limited", retryAfterMs, burstUntil: now + profile.rateLimitBurstMs };

  const drawn = Math.max(1, Math.round(call.meanOutputTokens * (0.5 + rolls.length)));
  const cap = call.maxOutputTokens;
  const outputTokens = cap === undefined ? drawn : Math.max(0, Math.min(drawn, cap));
  const factor = 1 - profile.jitter + 2 * profile.jitter * rolls.jitter;
  const drift = simDrift(profile.drift, profile.failureRate, call.sinceFirstCallMs);
  const failed = rolls.failure < drift.failureRate;
  // A failing server answers after its time to first token, not after a whole answer.
  const latencyMs =
    (profile.baseLatencyMs + (failed ? 0 : profile.perOutputTokenMs * outputTokens)) *
    factor *
    drift.latencyFactor;
  if (latencyMs > call.timeoutMs)
    return { kind: "timeout", latencyMs: call.timeoutMs, wouldTakeMs: latencyMs };
  if (failed) return { kind: "server_error", latencyMs };
  return { kind: "answered", latencyMs, outputTokens, truncated: cap !== undefined && drawn > cap };
}
