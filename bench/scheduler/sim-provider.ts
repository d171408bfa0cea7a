import { drawSimRolls, simOutcome } from "../../src/models/providers/sim-outcome.ts";
import type { Random } from "./random.ts";
import type { SimModel } from "./sim-models.ts";
import type { SimTaskSpec, World } from "./world.ts";

/**
 * The simulated provider and the simulated work, in simulated time. A call's outcome is the `sim`
 * provider's own (simOutcome, src/models/providers/sim-outcome.ts, which sim-client.ts calls too):
 * bursts of 429 with Retry-After, server errors after the time to first token, latency from the
 * profile with its jitter, output within ±50 % of its mean, timeouts.
 *
 * Three differences, all for the benchmark's sake: the draws of a call come from the stream of
 * that task's attempt (the same for every strategy, so that strategies meet the same luck); the
 * mean output length is the task's estimate rather than the profile's `outputTokens` (tasks of
 * different kinds differ in size); and a 429 takes a round trip's time rather than none.
 *
 * The work itself can then be unusable (the handler's checks reject it), with the probability
 * the world's quality model gives (World.accept).
 */

export type CallOutcome =
  | { kind: "answered"; latencyMs: number; outputTokens: number; accepted: boolean }
  | { kind: "server_error"; latencyMs: number }
  | { kind: "timeout"; latencyMs: number }
  | { kind: "rate_limited"; latencyMs: number; retryAfterMs: number };

/** Provider timeout for a call (the provider schema's default, 120 s). */
export const providerTimeoutMs = 120_000;
/** A 429 comes back at once; a round trip still takes a little. */
const rateLimitedLatencyMs = 50;

/** The provider's own state: when its current burst of 429 ends. */
export interface ProviderState {
  burstUntil: number;
}

export function callModel(
  model: SimModel,
  provider: ProviderState,
  task: SimTaskSpec,
  now: number,
  random: Random,
  accept: World["accept"],
): CallOutcome {
  // Every draw is taken, in this order, whatever happens: the attempt's outcome is a function of its stream.
  const rolls = drawSimRolls(random);
  const qualityRoll = random();
  const outcome = simOutcome({
    profile: model.config.sim,
    now,
    burstUntil: provider.burstUntil,
    meanOutputTokens: task.estimatedOutputTokens,
    timeoutMs: providerTimeoutMs,
    rolls,
  });
  switch (outcome.kind) {
    case "rate_limited":
      provider.burstUntil = outcome.burstUntil;
      return { kind: "rate_limited", latencyMs: rateLimitedLatencyMs, retryAfterMs: outcome.retryAfterMs };
    case "timeout":
    case "server_error":
      return { kind: outcome.kind, latencyMs: outcome.latencyMs };
    case "answered":
      return {
        kind: "answered",
        latencyMs: outcome.latencyMs,
        outputTokens: outcome.outputTokens,
        accepted: qualityRoll < accept(model, task),
      };
  }
}

/** What an answered call costs: its tokens at the model's prices. Refused and failed calls are not billed. */
export function callCostUsd(model: SimModel, task: SimTaskSpec, outcome: CallOutcome): number {
  if (outcome.kind !== "answered") return 0;
  const { inputPerMTok, outputPerMTok } = model.config.price;
  return (task.estimatedInputTokens * inputPerMTok + outcome.outputTokens * outputPerMTok) / 1e6;
}
