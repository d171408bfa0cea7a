import type { RunResult, TaskRecord } from "./run-result.ts";

/**
 * What a run is judged by. A task's weight is w = 1 + urgency (1 to 11): an urgency-10 task
 * arriving late costs eleven times what an urgency-0 one does. Weighted tardiness is
 * Σ w × max(0, end − deadline), in seconds. A task that failed for good ends, for every metric,
 * one deadline window after its last failure or its deadline, whichever is later (it must be done
 * again some other way): it always misses its deadline, by at least its window. Completion time is
 * end − arrival, seconds.
 */

export interface Metrics {
  tasks: number;
  failed_tasks: number;
  weighted_tardiness: number;
  deadline_miss_rate: number;
  cost: number;
  p50_completion_s: number;
  p95_completion_s: number;
  /** p50 and p95 completion per stage. */
  stages: Record<string, { p50_s: number; p95_s: number }>;
  attempts: number;
  failed_attempts: number;
  /** Failed attempts by cause: rejected work, server errors, timeouts, 429s. */
  rejected: number;
  server_errors: number;
  timeouts: number;
  rate_limited: number;
}

export function taskWeight(task: Pick<TaskRecord, "urgency">): number {
  return 1 + task.urgency;
}

export function measure(run: RunResult): Metrics {
  const completion = (t: TaskRecord) => (t.endMs - t.arrivalMs) / 1_000;
  const stages: Metrics["stages"] = {};
  for (const stage of run.stages) {
    const times = run.tasks.filter((t) => t.stage === stage).map(completion);
    stages[stage] = { p50_s: percentile(times, 50), p95_s: percentile(times, 95) };
  }
  const all = run.tasks.map(completion);
  const n = run.tasks.length;
  return {
    tasks: n,
    failed_tasks: run.tasks.filter((t) => t.outcome === "failed").length,
    weighted_tardiness: run.tasks.reduce(
      (sum, t) => sum + (taskWeight(t) * Math.max(0, t.endMs - t.deadlineMs)) / 1_000,
      0,
    ),
    deadline_miss_rate: n === 0 ? 0 : run.tasks.filter((t) => t.endMs > t.deadlineMs).length / n,
    cost: run.costUsd,
    p50_completion_s: percentile(all, 50),
    p95_completion_s: percentile(all, 95),
    stages,
    attempts: run.attempts,
    failed_attempts: run.failedAttempts,
    rejected: run.failuresByKind.rejected,
    server_errors: run.failuresByKind.server_error,
    timeouts: run.failuresByKind.timeout,
    rate_limited: run.failuresByKind.rate_limited,
  };
}

/** The mean of each metric over runs (seeds) of one scenario. */
export function meanOf(list: readonly Metrics[]): Metrics {
  const avg = (pick: (m: Metrics) => number) => list.reduce((sum, m) => sum + pick(m), 0) / list.length;
  const stages: Metrics["stages"] = {};
  for (const stage of Object.keys(list[0]?.stages ?? {})) {
    stages[stage] = {
      p50_s: avg((m) => m.stages[stage]?.p50_s ?? 0),
      p95_s: avg((m) => m.stages[stage]?.p95_s ?? 0),
    };
  }
  return {
    tasks: avg((m) => m.tasks),
    failed_tasks: avg((m) => m.failed_tasks),
    weighted_tardiness: avg((m) => m.weighted_tardiness),
    deadline_miss_rate: avg((m) => m.deadline_miss_rate),
    cost: avg((m) => m.cost),
    p50_completion_s: avg((m) => m.p50_completion_s),
    p95_completion_s: avg((m) => m.p95_completion_s),
    stages,
    attempts: avg((m) => m.attempts),
    failed_attempts: avg((m) => m.failed_attempts),
    rejected: avg((m) => m.rejected),
    server_errors: avg((m) => m.server_errors),
    timeouts: avg((m) => m.timeouts),
    rate_limited: avg((m) => m.rate_limited),
  };
}

/** Nearest-rank percentile (0 < p ≤ 100); 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
