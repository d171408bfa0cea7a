/**
 * Scheduler benchmark: a discrete-event simulation (simulated time, seeded) of pools of simulated
 * models in several worlds, each built apart from the scheduler it judges (bench/scheduler/worlds/).
 * On every scenario of every world, each baseline router (round-robin, LiteLLM's strategies, rules
 * by declared capability) is a point, cost against weighted tardiness, and Steward's scheduler
 * (src/scheduler/assign-models.ts), run at a sweep of prices of lateness, is a curve; the same
 * seeds for all. The verdicts: does the curve dominate every point, and does the default price
 * meet the target against the best baseline. Method and worlds: docs/scheduling.md; results:
 * docs/benchmarks.md.
 *
 *   npm run bench:scheduler                       the tables (progress on stderr)
 *   npm run bench:scheduler -- --json             one JSON object per point, curve point and verdict
 *   npm run bench:scheduler -- --svg DIR          also a picture of each world's frontier
 *   npm run bench:scheduler -- --help             every option
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { frontierSvg } from "./scheduler/frontier-svg.ts";
import { parseSchedulerBenchOptions, usage } from "./scheduler/options.ts";
import { jsonLines, strategyTable, verdictTable } from "./scheduler/report.ts";
import { summarise } from "./scheduler/results.ts";
import { runJobs } from "./scheduler/run-jobs.ts";
import { type Job, planJobs, pricesWithDefault, quickPrices, sweepPrices } from "./scheduler/sweep.ts";
import { worlds } from "./scheduler/worlds/worlds.ts";

async function main(): Promise<number> {
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
  const { seeds, firstSeed } = options;
  const chosen = worlds.filter((w) => options.worlds.includes(w.name));
  const prices = pricesWithDefault(options.quick ? quickPrices : sweepPrices);
  const jobs = planJobs(
    chosen,
    (w) => Array.from({ length: seeds ?? w.seeds }, (_, i) => firstSeed + i),
    prices,
  );
  process.stderr.write(
    `${jobs.length} runs on ${options.workers} thread(s): ${chosen.map((w) => w.name).join(", ")}; Steward at prices of lateness ${prices.join(", ")}\n`,
  );
  const started = performance.now();
  const left = new Map<string, number>();
  for (const job of jobs) left.set(job.scenario, (left.get(job.scenario) ?? 0) + 1);
  let done = 0;
  const metrics = await runJobs(jobs, options.workers, (job: Job) => {
    done++;
    const remaining = left.get(job.scenario)! - 1;
    left.set(job.scenario, remaining);
    if (remaining === 0) {
      const elapsed = ((performance.now() - started) / 1_000).toFixed(1);
      process.stderr.write(
        `${job.world} / ${job.scenario} done (${done} of ${jobs.length} runs, ${elapsed} s)\n`,
      );
    }
  });
  const results = summarise(chosen, jobs, metrics);
  if (options.json) {
    process.stdout.write(`${jsonLines(results)}\n`);
  } else {
    const classic = results.filter((r) => r.world.name === "classic");
    if (classic.length > 0) process.stdout.write(`${strategyTable(classic)}\n`);
    process.stdout.write(`${verdictTable(results)}\n`);
  }
  if (options.svgDir !== null) {
    mkdirSync(options.svgDir, { recursive: true });
    for (const world of chosen) {
      const file = path.join(options.svgDir, `${world.name}.svg`);
      writeFileSync(file, frontierSvg(results.filter((r) => r.world === world)));
      process.stderr.write(`wrote ${file}\n`);
    }
  }
  process.stderr.write(`${((performance.now() - started) / 1_000).toFixed(1)} s in all\n`);
  return 0;
}

process.exitCode = await main();
