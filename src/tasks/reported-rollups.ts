import type { AttemptReport } from "./complete-tasks.ts";
import { bucketOf } from "./rollup-buckets.ts";

/**
 * The rollup groups of a batch of plain successes, made by the worker from the tasks it claimed,
 * as steward_complete_plain() reads them (migration 0014): a JSON array, one object per minute,
 * stage, kind and idea, or null when a report lacks its claimed task's exact times (reports not
 * made by a worker; the statement then groups the rows itself). The arithmetic is SQL's, step
 * for step, so that the groups are the ones the statement (and the attempts trigger) would make:
 * times in microseconds as the database holds them, the finish at the millisecond the worker
 * sent (to_timestamp(ms / 1000.0) is exact there), durations as date_part('epoch', interval) * 1000
 * of the interval timestamptz subtraction makes (whole days split off), floored at 0, and the
 * same buckets (rollup-buckets.ts). test/telemetry/task-measures.test.ts holds them equal.
 */
export function reportedRollups(reports: readonly AttemptReport[]): string | null {
  const groups = new Map<string, ReportedGroup>();
  for (const report of reports) {
    const task = report.task;
    const micros = task?.micros;
    if (task === undefined || micros === undefined) return null;
    const finishedMs = report.finishedAt.getTime();
    const finishedUs = finishedMs * 1000;
    // date_bin('1 minute', finished_at, '2000-01-01 00:00Z'): that origin is a whole minute of the Unix epoch.
    const minuteMs = Math.floor(finishedMs / 60_000) * 60_000;
    const key = `${minuteMs} ${task.ideaId} ${task.stage}\u0000${task.kind}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        minute_ms: minuteMs,
        stage: task.stage,
        kind: task.kind,
        idea_id: task.ideaId,
        dh: [],
        wh: [],
        attempts: 0,
        retries: 0,
        deadline_misses: 0,
        duration_ms: 0,
        queue_wait_ms: 0,
      };
      groups.set(key, group);
    }
    const durationMs = elapsedMs(micros.startedAt, finishedUs);
    const waitMs = elapsedMs(micros.readyAt, micros.startedAt);
    group.attempts += 1;
    if (report.attempt > 1) group.retries += 1;
    if (micros.deadline !== null && finishedUs > micros.deadline) group.deadline_misses += 1;
    group.duration_ms += durationMs;
    group.queue_wait_ms += waitMs;
    count(group.dh, bucketOf(durationMs));
    count(group.wh, bucketOf(waitMs));
  }
  return JSON.stringify(
    [...groups.values()].map((g) => ({ ...g, dh: `{${g.dh.join(",")}}`, wh: `{${g.wh.join(",")}}` })),
  );
}

interface ReportedGroup {
  minute_ms: number;
  stage: string;
  kind: string;
  idea_id: number | null;
  /** Dense counts, element 0 for bucket 1 (steward_histogram's, 1-based in SQL). */
  dh: number[];
  wh: number[];
  attempts: number;
  retries: number;
  deadline_misses: number;
  duration_ms: number;
  queue_wait_ms: number;
}

const usPerDay = 86_400_000_000;

/**
 * greatest(date_part('epoch', to - from) * 1000, 0) of two timestamptz given in microseconds, as
 * SQL computes it: the interval the subtraction makes has its whole days split off into its day
 * field (interval_justify_hours), and its epoch is summed from the rest and the days.
 */
export function elapsedMs(fromUs: number, toUs: number): number {
  const us = toUs - fromUs;
  const days = Math.trunc(us / usPerDay);
  const rest = us - days * usPerDay;
  return Math.max((rest / 1_000_000 + 86_400 * days) * 1000, 0);
}

function count(counts: number[], bucket: number): void {
  while (counts.length < bucket) counts.push(0);
  counts[bucket - 1]! += 1;
}
