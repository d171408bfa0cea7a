/**
 * Scheduler benchmark: a discrete-event simulation (simulated time, seeded) of tasks of three kinds
 * arriving at a pool of five simulated models, routed by round-robin, LiteLLM's router strategies
 * (simple-shuffle, least-busy, latency-based, cost-based), a static capability-tier rule, and
 * Steward's weighted scheduler (src/scheduler/assign-models.ts), on the same seeds. Method and
 * world: docs/scheduling.md; results: docs/benchmarks.md.
 *
 *   npm run bench:scheduler                 the table (progress on stderr)
 *   npm run bench:scheduler -- --json       one JSON object per strategy and workload
 *   npm run bench:scheduler -- --help       every option
 */
import { meanOf, measure } from "./scheduler/metrics.ts";
import { parseSchedulerBenchOptions, usage } from "./scheduler/options.ts";
import { type Cell, jsonLines, summary, table, verdicts } from "./scheduler/report.ts";
import { simulate } from "./scheduler/simulate.ts";
import { strategyNames } from "./scheduler/strategies.ts";
import { stagesOf } from "./scheduler/world.ts";
import { classic } from "./scheduler/worlds/classic.ts";

const workloads = classic.scenarios;

function main(): number {
  let options: ReturnType<typeof parseSchedulerBenchOptions>;
  try {
    options = parseSchedulerBenchOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const seeds = Array.from({ length: options.seeds }, (_, i) => options.firstSeed + i);
  const chosen = workloads.filter((w) => options.only.includes(w.name));
  const cells: Cell[] = [];
  const started = performance.now();
  for (const workload of chosen) {
    for (const strategy of strategyNames) {
      const runs = seeds.map((seed) => measure(simulate(classic, workload, strategy, seed)));
      cells.push({ strategy, workload: workload.name, seeds, metrics: meanOf(runs) });
      const elapsed = ((performance.now() - started) / 1_000).toFixed(1);
      process.stderr.write(`${workload.name}: ${strategy} done (${elapsed} s)\n`);
    }
  }
  const found = verdicts(cells);
  if (options.json) {
    process.stdout.write(`${jsonLines(cells, found)}\n`);
    process.stderr.write(`${summary(found)}\n`);
  } else {
    const descriptions = new Map(workloads.map((w) => [w.name, w.description]));
    process.stdout.write(`${table(cells, descriptions, found, stagesOf(classic))}\n`);
  }
  return 0;
}

process.exitCode = main();
