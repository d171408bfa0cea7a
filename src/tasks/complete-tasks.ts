import type { Queryable } from "../db/database.ts";
import { prepared } from "../db/prepared-statements.ts";
import { durationEwmaAlpha } from "../scheduler/learn.ts";
import { reportedRollups } from "./reported-rollups.ts";
import {
  type AttemptOutcome,
  type ClaimedTask,
  rateLimitedErrorClass,
  type TaskError,
  type TaskStatus,
} from "./task.ts";
import { releaseDependents } from "./task-dependencies.ts";

/** How one attempt ended, as the worker that ran it reports it. */
export interface AttemptReport {
  taskId: number;
  attempt: number;
  outcome: Extract<AttemptOutcome, "succeeded" | "failed" | "timed_out" | "released">;
  result?: unknown;
  error?: TaskError;
  aiModel?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** When the task became ready (its queue wait starts there). */
  queuedAt: Date;
  startedAt: Date;
  finishedAt: Date;
  /** For a failed attempt with attempts left: when to try again. Null: the task has failed for good. */
  retryAt?: Date | null;
  /** The task as the worker claimed it: a batch of plain successes is rolled up from it (reported-rollups.ts). */
  task?: ClaimedTask;
}

export interface CompletedTask {
  id: number;
  status: TaskStatus;
}

/**
 * Records a batch of finished attempts in one statement: each task's new state (succeeded;
 * queued again for a retry or after a release; failed), its summed usage, and one row in
 * task_attempts per attempt. Fenced: a report counts only while the worker still holds the
 * lease of that very attempt, so a task whose lease expired and was claimed again (or that was
 * cancelled) is never completed twice. Reports that did not count are left out of the result.
 * `spentClaims`: claims (claimTaskBatch) none of whose tasks the worker runs any more, removed
 * in the same statement; pass them with the reports of their last tasks, never before.
 *
 * Dependents are updated by a second statement, only when a finished task has any; it runs
 * after the first so that it sees dependencies added by enqueues that committed meanwhile.
 */
export async function completeTasks(
  db: Queryable,
  workerId: string,
  reports: AttemptReport[],
  urgencyStepSeconds: number,
  spentClaims: readonly number[] = [],
): Promise<CompletedTask[]> {
  if (reports.length === 0 && spentClaims.length === 0) return [];
  let completed: CompletedTask[];
  let finished: CompletedTask[];
  if (reports.every(isPlainSuccess)) {
    // Arrays instead of a JSON document (migration 0006 has the figures), and the rollup groups
    // the worker made (migration 0014); answered: what was not recorded, and who has dependents.
    const { rows } = await db.query<{ done: string }>(completePlainSql, [
      workerId,
      reports.map((r) => r.taskId),
      reports.map((r) => r.attempt),
      // Epoch milliseconds: pg formats each Date as a local time string, ≈2 µs apiece.
      reports.map((r) => r.finishedAt.getTime()),
      spentClaims,
      reportedRollups(reports),
    ]);
    const [, withDependents, missing] = JSON.parse(rows[0]!.done) as [number, number[], number[] | null];
    const left = missing === null ? null : new Set(missing);
    const ids = left === null ? reports.map((r) => r.taskId) : [...new Set(reports.map((r) => r.taskId))];
    completed = ids.filter((id) => !left?.has(id)).map((id) => ({ id, status: "succeeded" as const }));
    finished = withDependents.map((id) => ({ id, status: "succeeded" as const }));
  } else {
    // One JSON document, read by steward_attempt_reports() (see its migration for why). Fields
    // at their default (no result, no error, no usage) are left out.
    const { rows: out } = await db.query<{ done: string | null }>(completeSql, [
      JSON.stringify(reports.map(toJsonReport)),
      workerId,
      urgencyStepSeconds,
      durationEwmaAlpha,
      spentClaims,
    ]);
    const rows = (out[0]?.done ? JSON.parse(out[0].done) : []) as [number, TaskStatus, boolean][];
    completed = rows.map(([id, status]) => ({ id, status }));
    finished = completed.filter((c, i) => rows[i]![2] && (c.status === "succeeded" || c.status === "failed"));
  }
  if (finished.length > 0) await releaseDependents(db, finished);
  return completed;
}

/**
 * A success with nothing more to record: no result, no model, no usage. Tasks that only do
 * something (send, sync, warm a cache) finish like this, and a busy queue of them is where the
 * statement's cost counts most.
 */
function isPlainSuccess(r: AttemptReport): boolean {
  return (
    r.outcome === "succeeded" &&
    (r.result === undefined || r.result === null) &&
    !r.aiModel &&
    !r.inputTokens &&
    !r.outputTokens &&
    !r.costUsd
  );
}

// Plain successes run in a function of migration 0008, which finds each task by primary key with
// a plan that cannot change with the statistics (before, the statement found the running rows
// through the lease index and visited the dead entry of every task run since the last vacuum).
// The other completions (completeSql) join their tasks as the planner sees fit: there are fewer
// of them, they come in smaller batches, and their learning step keeps changing.
const completePlainSql = prepared(
  "steward_complete_plain",
  "SELECT steward_complete_plain($1, $2::bigint[], $3::integer[], $4::float8[], $5::bigint[], $6::json) AS done",
);

/**
 * A report as steward_attempt_reports() reads it. `queued_at` is sent only when this completion
 * moves the task's run_at (a retry or a release): otherwise the task's run_at is still the time
 * it became ready, and the statement takes it from there.
 */
function toJsonReport(r: AttemptReport): Record<string, unknown> {
  const retryAt = r.retryAt ?? null;
  return {
    id: r.taskId,
    attempt: r.attempt,
    outcome: r.outcome,
    finished_at: r.finishedAt,
    result: r.result ?? undefined,
    error: r.error ?? undefined,
    ai_model: r.aiModel ?? undefined,
    input_tokens: r.inputTokens || undefined,
    output_tokens: r.outputTokens || undefined,
    cost_usd: r.costUsd || undefined,
    queued_at: r.outcome === "released" || retryAt !== null ? r.queuedAt : undefined,
    retry_at: retryAt ?? undefined,
  };
}

const completeSql = prepared(
  "steward_complete",
  `
WITH input AS (
  SELECT r.id, r.attempt, r.outcome, r.result, r.error, r.ai_model, COALESCE(r.input_tokens, 0) AS input_tokens,
         COALESCE(r.output_tokens, 0) AS output_tokens, COALESCE(r.cost_usd, 0) AS cost_usd, r.queued_at,
         r.finished_at, r.retry_at
    FROM steward_attempt_reports($1::jsonb) r
), updated AS (
  UPDATE execution_tasks t
     SET status = CASE
           WHEN i.outcome = 'succeeded' THEN 'succeeded'
           WHEN i.outcome = 'released' OR i.retry_at IS NOT NULL THEN 'queued'
           ELSE 'failed' END,
         -- A released attempt (its worker was stopping) is recorded but does not use up the budget.
         max_attempts = CASE WHEN i.outcome = 'released' THEN t.max_attempts + 1 ELSE t.max_attempts END,
         result = CASE WHEN i.outcome = 'succeeded' THEN i.result ELSE t.result END,
         error = CASE WHEN i.outcome = 'succeeded' THEN NULL WHEN i.outcome = 'released' THEN t.error ELSE i.error END,
         ai_model = COALESCE(i.ai_model, t.ai_model),
         input_tokens = t.input_tokens + i.input_tokens,
         output_tokens = t.output_tokens + i.output_tokens,
         cost_usd = t.cost_usd + i.cost_usd,
         run_at = CASE WHEN i.outcome = 'released' THEN now() ELSE COALESCE(i.retry_at, t.run_at) END,
         priority_at = CASE
           WHEN i.outcome = 'released' THEN t.priority_at
           WHEN i.retry_at IS NOT NULL THEN i.retry_at - t.urgency * $3 * interval '1 second'
           ELSE t.priority_at END,
         finished_at = CASE WHEN i.outcome = 'succeeded' OR (i.outcome <> 'released' AND i.retry_at IS NULL)
                            THEN i.finished_at END,
         locked_by = NULL,
         locked_until = NULL,
         updated_at = now()
    FROM input i
   WHERE t.id = i.id AND t.status = 'running' AND t.locked_by = $2 AND t.attempts = i.attempt
  RETURNING t.id, t.status, t.has_dependents, t.started_at, t.run_at, t.assignment
), recorded AS (
  INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                             error_class, error_message, input_tokens, output_tokens, cost_usd, assignment)
  SELECT i.id, i.attempt, $2, i.ai_model, i.outcome, COALESCE(i.queued_at, u.run_at), u.started_at, i.finished_at,
         i.error ->> 'class', i.error ->> 'message', i.input_tokens, i.output_tokens, i.cost_usd, u.assignment
    FROM input i JOIN updated u ON u.id = i.id
), called AS (
  -- Attempts that ran on a model close their model_calls row (tokens and cost count toward the
  -- limits and budgets from here on) ...
  UPDATE model_calls c
     SET finished_at = i.finished_at, input_tokens = i.input_tokens, output_tokens = i.output_tokens,
         cost_usd = i.cost_usd, outcome = i.outcome
    FROM input i JOIN updated u ON u.id = i.id
   WHERE i.ai_model IS NOT NULL AND c.task_id = i.id AND c.attempt = i.attempt
  RETURNING c.model_id, c.kind, c.outcome, c.prior_success, c.prior_duration_ms, c.skill_gaps,
            i.error ->> 'class' AS error_class,
            extract(epoch FROM c.finished_at - c.started_at) * 1000 AS duration_ms
), learned AS (
  -- ... and teach the scheduler what src/scheduler/learn.ts's recordOutcome() computes one
  -- outcome at a time: attempts and successes per (model, kind), the successes the scheduler
  -- expected, and exponentially weighted means of the duration of successes and of its ratio to
  -- what was expected. A batch of k successes moves a mean by 1 − (1 − α)^k towards the batch's mean.
  INSERT INTO model_kind_stats AS s (model_id, kind, attempts, successes, mean_duration_ms,
                                     expected_successes, mean_duration_ratio)
  SELECT model_id, kind, count(*), count(*) FILTER (WHERE outcome = 'succeeded'),
         avg(duration_ms) FILTER (WHERE outcome = 'succeeded'),
         CASE WHEN count(*) = count(prior_success) THEN sum(prior_success) END,
         -- Only while every success carried the expected duration (NULL for a batch without one).
         CASE WHEN bool_and(COALESCE(prior_duration_ms > 0, false)) FILTER (WHERE outcome = 'succeeded')
              THEN avg(duration_ms / prior_duration_ms) FILTER (WHERE outcome = 'succeeded') END
    -- A 429 says nothing of the model's work (its cooldown deals with it): not learned from.
    FROM called
   WHERE outcome <> 'released' AND error_class IS DISTINCT FROM '${rateLimitedErrorClass}'
   GROUP BY model_id, kind
  ON CONFLICT (model_id, kind) DO UPDATE
     SET attempts = s.attempts + EXCLUDED.attempts,
         successes = s.successes + EXCLUDED.successes,
         mean_duration_ms = CASE
           WHEN EXCLUDED.mean_duration_ms IS NULL THEN s.mean_duration_ms
           WHEN s.mean_duration_ms IS NULL THEN EXCLUDED.mean_duration_ms
           ELSE s.mean_duration_ms + (1 - power(1 - $4::float8, EXCLUDED.successes))
                                     * (EXCLUDED.mean_duration_ms - s.mean_duration_ms) END,
         expected_successes = CASE
           WHEN s.attempts > 0 AND s.expected_successes IS NULL THEN NULL
           ELSE COALESCE(s.expected_successes, 0) + EXCLUDED.expected_successes END,
         mean_duration_ratio = CASE
           WHEN EXCLUDED.successes = 0 THEN s.mean_duration_ratio
           -- A ratio that left a success out would be partial: none is kept from then on.
           WHEN EXCLUDED.mean_duration_ratio IS NULL THEN NULL
           WHEN s.mean_duration_ratio IS NULL THEN
             CASE WHEN s.successes = 0 THEN EXCLUDED.mean_duration_ratio END
           ELSE s.mean_duration_ratio + (1 - power(1 - $4::float8, EXCLUDED.successes))
                                        * (EXCLUDED.mean_duration_ratio - s.mean_duration_ratio) END,
         updated_at = now()
), counted AS (
  -- ... and count the outcome under each capability its task was judged on, at that gap: what
  -- the success curves are fitted to (src/scheduler/success-curve.ts's countOutcome(), the same
  -- in TypeScript). Counts add up alike in any batch and any order.
  INSERT INTO model_success_counts AS s (model_id, capability, kind, gap, attempts, successes)
  -- floor(x + 0.5) rounds halves as Math.round does (round() takes -1.5 to -2, Math.round to -1).
  SELECT model_id, g.key, kind,
         greatest(-10, least(10, floor((g.value #>> '{}')::float8 + 0.5)))::smallint AS gap,
         count(*), count(*) FILTER (WHERE outcome = 'succeeded')
    FROM called, jsonb_each(skill_gaps) AS g
   WHERE skill_gaps IS NOT NULL AND outcome <> 'released' AND error_class IS DISTINCT FROM '${rateLimitedErrorClass}'
   GROUP BY model_id, g.key, kind, 4
  ON CONFLICT (model_id, capability, kind, gap) DO UPDATE
     SET attempts = s.attempts + EXCLUDED.attempts, successes = s.successes + EXCLUDED.successes,
         updated_at = now()
), woken AS (
  -- A slot freed on a model brings back at once, for each attempt on it that ended (but a 429:
  -- the model is cooling down), the first task in the queue's order that waits for it and is not
  -- yet due (migration 0018): it was held for that model and comes back when it is free, not when
  -- it was guessed to be.
  UPDATE execution_tasks w SET run_at = now()
   WHERE w.id IN (
     SELECT q.id
       FROM (SELECT model_id, count(*) AS n FROM called
              WHERE error_class IS DISTINCT FROM '${rateLimitedErrorClass}' GROUP BY model_id) f
      CROSS JOIN LATERAL (
        SELECT id FROM execution_tasks
         WHERE waiting_for = f.model_id AND waiting_status = 'queued' AND run_at > now()
         ORDER BY priority_at, id LIMIT f.n) q)
), forgotten AS (
  DELETE FROM task_claims WHERE id = ANY ($5::bigint[]) AND worker_id = $2
)
SELECT json_agg(json_build_array(id, status, has_dependents))::text AS done FROM updated`,
);
