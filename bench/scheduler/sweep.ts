import { defaultSchedulerWeights } from "../../src/scheduler/assign-models.ts";
import { type Metrics, measure } from "./metrics.ts";
import { simulate } from "./simulate.ts";
import { baselineNames, type StrategyName } from "./strategies.ts";
import type { World } from "./world.ts";
import { worlds } from "./worlds/worlds.ts";

/**
 * The runs of the suite: every baseline once per seed, and Steward once per seed at each price
 * of lateness of the sweep, on every scenario of every world chosen. A run is named by plain
 * values (a Job), so that it can be done in another thread and still give the same numbers.
 */

/** US dollars per urgency-weighted minute late: from "lateness is free" to "$3 a minute". */
export const sweepPrices = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3] as const;
/** The sweep of a smoke run (--quick). */
export const quickPrices = [0, 0.01, 1] as const;

/** Steward's default price of lateness (SchedulerWeights.priceOfLateness). */
export const defaultPrice: number = defaultSchedulerWeights.priceOfLateness;

/** The prices Steward is run at: the sweep with the default added, in increasing order. */
export function pricesWithDefault(prices: readonly number[]): number[] {
  return [...new Set([...prices, defaultPrice])].sort((a, b) => a - b);
}

/** One run: a strategy (Steward at a price of lateness) on a scenario of a world, with a seed. */
export interface Job {
  world: string;
  scenario: string;
  strategy: StrategyName;
  /** Steward's price of lateness; null for a baseline. */
  priceOfLateness: number | null;
  seed: number;
}

/** Every run of the suite on the chosen worlds, scenario by scenario, seed by seed. */
export function planJobs(
  chosen: readonly World[],
  seedsOf: (world: World) => number[],
  prices: number[],
): Job[] {
  return chosen.flatMap((world) =>
    world.scenarios.flatMap((scenario) => {
      const base = { world: world.name, scenario: scenario.name };
      return seedsOf(world).flatMap((seed) => [
        ...baselineNames.map((strategy): Job => ({ ...base, strategy, priceOfLateness: null, seed })),
        ...prices.map((price): Job => ({ ...base, strategy: "steward", priceOfLateness: price, seed })),
      ]);
    }),
  );
}

/** One run, measured. */
export function runJob(job: Job): Metrics {
  const world = worlds.find((w) => w.name === job.world);
  const scenario = world?.scenarios.find((s) => s.name === job.scenario);
  if (world === undefined || scenario === undefined)
    throw new Error(`no scenario ${job.world}/${job.scenario}`);
  const weights = job.priceOfLateness === null ? {} : { priceOfLateness: job.priceOfLateness };
  return measure(simulate(world, scenario, job.strategy, job.seed, { weights }));
}
