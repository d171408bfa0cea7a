import { type FrontierVerdict, judgeFrontier } from "./frontier.ts";
import { type Metrics, meanOf } from "./metrics.ts";
import { defaultPrice, type Job } from "./sweep.ts";
import type { Scenario, World } from "./world.ts";

/** What the suite found on one scenario of one world: the means over its seeds, and the verdict. */
export interface ScenarioResult {
  world: World;
  scenario: Scenario;
  seeds: number[];
  /** Each baseline, in the order of strategyNames. */
  baselines: { strategy: string; metrics: Metrics }[];
  /** Steward at each price of lateness, in increasing order. */
  curve: { priceOfLateness: number; metrics: Metrics }[];
  verdict: FrontierVerdict;
}

/** Groups the runs by scenario and by strategy (and price), averages them over the seeds, judges. */
export function summarise(
  chosen: readonly World[],
  jobs: readonly Job[],
  metrics: readonly Metrics[],
): ScenarioResult[] {
  const groups = new Map<string, { job: Job; runs: Metrics[] }>();
  for (const [i, job] of jobs.entries()) {
    const key = JSON.stringify([job.world, job.scenario, job.strategy, job.priceOfLateness]);
    const group = groups.get(key) ?? { job, runs: [] };
    group.runs.push(metrics[i]!);
    groups.set(key, group);
  }
  return chosen.flatMap((world) =>
    world.scenarios.map((scenario) => {
      const here = [...groups.values()].filter(
        (g) => g.job.world === world.name && g.job.scenario === scenario.name,
      );
      const seeds = [...new Set(jobs.filter((j) => j.scenario === scenario.name).map((j) => j.seed))];
      const baselines = here
        .filter((g) => g.job.priceOfLateness === null)
        .map((g) => ({ strategy: g.job.strategy, metrics: meanOf(g.runs) }));
      const curve = here
        .filter((g) => g.job.priceOfLateness !== null)
        .map((g) => ({ priceOfLateness: g.job.priceOfLateness!, metrics: meanOf(g.runs) }))
        .sort((a, b) => a.priceOfLateness - b.priceOfLateness);
      const point = (m: Metrics) => ({ cost: m.cost, weightedTardiness: m.weighted_tardiness });
      const verdict = judgeFrontier(
        baselines.map((b) => ({ strategy: b.strategy, ...point(b.metrics) })),
        curve.map((c) => ({ priceOfLateness: c.priceOfLateness, ...point(c.metrics) })),
        defaultPrice,
      );
      return { world, scenario, seeds, baselines, curve, verdict };
    }),
  );
}
