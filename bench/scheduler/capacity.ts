import { type Arrivals, thinned } from "./arrivals.ts";
import { mean } from "./distributions.ts";
import type { SimModel } from "./sim-models.ts";
import type { KindSpec, Scenario } from "./world.ts";

/**
 * What a pool can serve, so that a world's traffic can be offered as a share of it: the same
 * 60 %, 90 % and 130 % mean as much to one pool as to another, however differently built.
 */

/** The loads a world built around its capacity is run at, as shares of that capacity. */
export const loadShares = [0.6, 0.9, 1.3] as const;

/** The world's average task: each kind's mean tokens, weighted by its share of the mix. */
export function averageTask(
  kinds: Readonly<Record<string, KindSpec>>,
  mix: Readonly<Record<string, number>>,
): { inputTokens: number; outputTokens: number } {
  const total = Object.keys(kinds).reduce((sum, kind) => sum + (mix[kind] ?? 0), 0);
  let inputTokens = 0;
  let outputTokens = 0;
  for (const [name, kind] of Object.entries(kinds)) {
    const share = (mix[name] ?? 0) / total;
    inputTokens += share * mean(kind.inputTokens);
    outputTokens += share * mean(kind.outputTokens);
  }
  return { inputTokens, outputTokens };
}

/**
 * The pool's capacity in tasks per second: the sum, over its models, of concurrency ÷ the mean
 * attempt latency on the average task (base + per-token × its output tokens: the profile's
 * nominal speed, jitter averaging out), capped by requests per minute ÷ 60 and by tokens per
 * minute ÷ (60 × its tokens). It counts attempts, not successes (no retries, no 429s, every
 * model as if it could take every task), so it is a ceiling: what no strategy can exceed, and
 * the same ruler for every strategy.
 */
export function capacityPerSecond(
  models: readonly SimModel[],
  kinds: Readonly<Record<string, KindSpec>>,
  mix: Readonly<Record<string, number>>,
): number {
  const task = averageTask(kinds, mix);
  return models.reduce((sum, { config }) => {
    const latencyS = (config.sim.baseLatencyMs + config.sim.perOutputTokenMs * task.outputTokens) / 1_000;
    const limits = [config.concurrency / latencyS];
    if (config.requestsPerMinute !== undefined) limits.push(config.requestsPerMinute / 60);
    if (config.tokensPerMinute !== undefined) {
      limits.push(config.tokensPerMinute / 60 / (task.inputTokens + task.outputTokens));
    }
    return sum + Math.min(...limits);
  }, 0);
}

/** A world's traffic whatever its rate: the arrival process at a mean rate, and its horizon. */
export interface Traffic {
  /** What the process is, for the report ("bursty, self-exciting …"). */
  description: string;
  horizonMs: number;
  arrivals(perSecond: number): Arrivals;
}

/**
 * The world's scenarios, one per load, each named `<world>-<percent>`: arrivals at load ×
 * capacity on average, drawn as the traffic at the highest load, thinned (common random numbers:
 * for one seed, the arrivals at a lower load are a subset of those at a higher one, and every
 * load draws its tasks and their luck from the world's streams, Scenario.streams).
 */
export function loadScenarios(
  world: string,
  capacity: number,
  traffic: Traffic,
  shares: readonly number[] = loadShares,
): Scenario[] {
  const highest = Math.max(...shares);
  const base = traffic.arrivals(highest * capacity);
  return shares.map((share) => {
    const perSecond = share * capacity;
    const percent = Math.round(share * 100);
    return {
      name: `${world}-${percent}`,
      description: `${percent} % of capacity (${perSecond.toFixed(2)} tasks/s on average of the pool's ${capacity.toFixed(2)}): ${traffic.description}`,
      streams: world,
      horizonMs: traffic.horizonMs,
      arrivals: thinned(base, share / highest),
      load: { share, perSecond },
    };
  });
}
