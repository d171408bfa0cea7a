import type { Deps } from "../../src/app/deps.ts";
import { getOverview } from "../../src/app/overview.ts";
import { getModelsStatus } from "../../src/models/model-status.ts";
import { getTaskStats } from "../../src/tasks/task-stats.ts";
import { getWaitingTasks } from "../../src/tasks/waiting-tasks.ts";
import { measureTasks, type StatsDimension } from "../../src/telemetry/task-measures.ts";
import { percentile } from "../queue/stats.ts";

/** What the dashboard's overview asks for must answer within this at p95 (issue 10, point 10). */
export const overviewTargetMs = 50;

export interface TimedQuery {
  query: string;
  /** overview: a dashboard request, held to the target; stats: `steward stats`, measured. */
  group: "overview" | "stats";
  run(): Promise<unknown>;
}

export interface QueryTiming {
  query: string;
  group: TimedQuery["group"];
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  runs: number;
  target_ms: number | null;
  met: boolean | null;
  tasks: number;
  attempts: number;
}

/** The engine functions the routes and `steward stats` call, each as its shell calls it. */
export function queriesOf(deps: Deps): TimedQuery[] {
  const stats = (since: string, by: StatsDimension): TimedQuery => ({
    query: `steward stats --since ${since} --by ${by}`,
    group: "stats",
    run: () => measureTasks(deps.db, deps.clock, { since, by }),
  });
  return [
    { query: "GET /api/overview", group: "overview", run: () => getOverview(deps) },
    { query: "GET /api/tasks/stats", group: "overview", run: () => getTaskStats(deps) },
    { query: "GET /api/tasks/waiting", group: "overview", run: () => getWaitingTasks(deps.db) },
    { query: "GET /api/models", group: "overview", run: () => getModelsStatus(deps.db, deps.models) },
    ...["1h", "1d", "30d"].flatMap((since) => [stats(since, "stage"), stats(since, "model")]),
  ];
}

/** Runs each query `warmups` times unmeasured, then `runs` times one after another, timed. */
export async function timeQueries(
  queries: TimedQuery[],
  options: { warmups: number; runs: number; tasks: number; attempts: number },
  onProgress: (done: number) => void,
): Promise<QueryTiming[]> {
  const timings: QueryTiming[] = [];
  for (const [i, q] of queries.entries()) {
    for (let w = 0; w < options.warmups; w++) await q.run();
    const times: number[] = [];
    for (let r = 0; r < options.runs; r++) {
      const start = performance.now();
      await q.run();
      times.push(performance.now() - start);
    }
    const p95 = percentile(times, 95);
    const target = q.group === "overview" ? overviewTargetMs : null;
    timings.push({
      query: q.query,
      group: q.group,
      p50_ms: round(percentile(times, 50)),
      p95_ms: round(p95),
      max_ms: round(percentile(times, 100)),
      runs: options.runs,
      target_ms: target,
      met: target === null ? null : p95 <= target,
      tasks: options.tasks,
      attempts: options.attempts,
    });
    onProgress(i + 1);
  }
  return timings;
}

const round = (ms: number) => Math.round(ms * 100) / 100;
