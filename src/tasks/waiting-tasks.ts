import type { Queryable } from "../db/database.ts";
import type { ModelWaitCause } from "./task.ts";

/**
 * Why a task that has not finished is not running:
 * - `ready`: it may be claimed now, and waits for a worker (none runs its kind, or all are busy);
 * - `delayed`: its `run_at` is in the future (enqueued with a delay);
 * - `retrying`: it failed an attempt and waits out the backoff before the next;
 * - `blocked`: it waits for dependencies to succeed;
 * - `gated`: the execution gate is closed for its kind (execution-gate.ts), so no worker claims it;
 * - `paused`: its kind is paused, so no worker claims it;
 * - `no_model`: a worker claimed it and the scheduler found no model that could take it; the
 *   stored assignment says why (`cause`, `explanation`), and it is claimed again later.
 */
export type WaitReason = "ready" | "delayed" | "retrying" | "blocked" | "gated" | "paused" | "no_model";
export const waitReasons: readonly WaitReason[] = [
  "ready",
  "delayed",
  "retrying",
  "blocked",
  "gated",
  "paused",
  "no_model",
];

/** The waiting tasks of one kind for one reason. */
export interface WaitingGroup {
  reason: WaitReason;
  kind: string;
  count: number;
  /** The earliest `run_at` among them: for delayed ones, when the first becomes ready. */
  earliestRunAt: string;
  /** For `no_model`: the scheduler's cause, and one of its explanations. */
  cause: ModelWaitCause | null;
  explanation: string | null;
}

export interface WaitingTasks {
  /** Queued and blocked tasks: exact. */
  total: number;
  /**
   * How many of them the breakdown below covers: all of them, unless there are more than the
   * scan limit of each status, in which case the first ones in queue order (the next to be
   * claimed) and, of the blocked, the oldest.
   */
  counted: number;
  byReason: Record<WaitReason, number>;
  /** By reason (in the order of `waitReasons`), then most tasks first. */
  groups: WaitingGroup[];
}

/** Most queued (and most blocked) tasks whose reason is read. */
export const defaultWaitScanLimit = 50_000;

/**
 * Counts queued and blocked tasks by why they wait, in one statement that aggregates in the
 * database and answers one row per kind, reason and cause. The queue may hold millions of rows,
 * so the work is bounded: totals are exact, from index-only scans of the partial indexes
 * execution_tasks_ready_idx and _blocked_idx; reasons are read for at most `scanLimit` tasks of
 * each status, in the order of those indexes. With 800,000 queued and 100,000 blocked tasks on
 * PostgreSQL 15 (2 cores) it takes a median 167 ms; reading every reason, 985 ms
 * (bench/waiting-tasks.ts, docs/benchmarks.md).
 */
export async function getWaitingTasks(
  db: Queryable,
  options: { scanLimit?: number } = {},
): Promise<WaitingTasks> {
  const { rows } = await db.query<{ answer: string }>(waitingSql, [
    options.scanLimit ?? defaultWaitScanLimit,
  ]);
  const answer = JSON.parse(rows[0]!.answer) as {
    queued: number;
    blocked: number;
    groups:
      | {
          reason: WaitReason;
          kind: string;
          cause: ModelWaitCause | null;
          count: number;
          earliest: string;
          explanation: string | null;
        }[]
      | null;
  };
  const byReason = Object.fromEntries(waitReasons.map((r) => [r, 0])) as Record<WaitReason, number>;
  const order = (r: WaitReason) => waitReasons.indexOf(r);
  const groups = (answer.groups ?? [])
    .map((row) => {
      byReason[row.reason] += row.count;
      return {
        reason: row.reason,
        kind: row.kind,
        count: row.count,
        earliestRunAt: new Date(row.earliest).toISOString(),
        cause: row.cause,
        explanation: row.explanation,
      };
    })
    .sort((a, b) => order(a.reason) - order(b.reason) || b.count - a.count || a.kind.localeCompare(b.kind));
  return {
    total: answer.queued + answer.blocked,
    counted: groups.reduce((sum, g) => sum + g.count, 0),
    byReason,
    groups,
  };
}

// A closed gate, then a paused kind, win over everything else: no worker claims the task, whatever
// else holds it back.
// A task handed back for want of a model keeps the assignment with a null model until the next
// claim overwrites it; one that ran on a model and failed has that model in its assignment.
// The ORDER BY of each scan is its index's, so that LIMIT stops the index scan early; the indexes
// of waiting tasks are read through their predicate, waiting_status (migration 0009).
const waitingSql = `
WITH queued AS (
  SELECT kind, run_at, attempts, assignment FROM execution_tasks
   WHERE waiting_status = 'queued' ORDER BY priority_at, id LIMIT $1
), blocked AS (
  SELECT kind, run_at FROM execution_tasks WHERE waiting_status = 'blocked' ORDER BY id LIMIT $1
), waiting AS (
  SELECT q.kind, q.run_at, c.reason,
         CASE WHEN c.reason = 'no_model' THEN q.assignment ->> 'cause' END AS cause,
         CASE WHEN c.reason = 'no_model' THEN q.assignment ->> 'reason' END AS explanation
    FROM queued q
    LEFT JOIN task_kind_pauses p ON p.kind = q.kind
   CROSS JOIN (SELECT coalesce(array_agg(scope), '{}') AS scopes FROM execution_gates) g
   CROSS JOIN LATERAL (SELECT CASE
           WHEN '*' = ANY (g.scopes) OR q.kind = ANY (g.scopes) THEN 'gated'
           WHEN p.kind IS NOT NULL THEN 'paused'
           WHEN q.assignment IS NOT NULL AND q.assignment ->> 'model' IS NULL THEN 'no_model'
           WHEN q.run_at > now() AND q.attempts > 0 THEN 'retrying'
           WHEN q.run_at > now() THEN 'delayed'
           ELSE 'ready' END AS reason) c
  UNION ALL
  SELECT kind, run_at, 'blocked', NULL, NULL FROM blocked
), groups AS (
  SELECT reason, kind, cause, count(*)::int AS count, min(run_at) AS earliest, min(explanation) AS explanation
    FROM waiting GROUP BY reason, kind, cause
)
SELECT json_build_object(
  'queued', (SELECT count(*) FROM execution_tasks WHERE waiting_status = 'queued'),
  'blocked', (SELECT count(*) FROM execution_tasks WHERE waiting_status = 'blocked'),
  'groups', (SELECT json_agg(groups) FROM groups)
)::text AS answer`;
