-- The task engine: priority with aging, dependency counting, pausing by kind, and a leaner
-- write path (fewer indexes to maintain on every state change; see docs/benchmarks.md).

-- Claim order. priority_at = run_at - urgency × urgency step (docs/architecture.md, "Priority"):
-- urgency is a head start in time, so a low-urgency task that has waited long enough comes
-- first and nothing starves.
ALTER TABLE execution_tasks ADD COLUMN priority_at timestamptz NOT NULL DEFAULT now();
-- Dependencies not yet succeeded. A blocked task becomes queued when this reaches 0; counting
-- (rather than re-checking every dependency) stays right when two dependencies finish at once.
ALTER TABLE execution_tasks ADD COLUMN pending_dependencies integer NOT NULL DEFAULT 0;
-- Set when another task comes to depend on this one: only then does finishing it need the
-- extra statement that updates dependents, so the common path stays one statement.
ALTER TABLE execution_tasks ADD COLUMN has_dependents boolean NOT NULL DEFAULT false;
-- What happens to this task when a dependency fails or is cancelled.
ALTER TABLE execution_tasks ADD COLUMN on_dependency_failure text NOT NULL DEFAULT 'fail';
ALTER TABLE execution_tasks ADD CONSTRAINT execution_tasks_on_dependency_failure_check
  CHECK (on_dependency_failure IN ('fail', 'cancel'));
ALTER TABLE execution_tasks ADD CONSTRAINT execution_tasks_pending_dependencies_check
  CHECK (pending_dependencies >= 0);

DROP INDEX execution_tasks_ready_idx;
CREATE INDEX execution_tasks_ready_idx ON execution_tasks (priority_at, id) WHERE status = 'queued';
-- Blocked tasks, for the maintenance loop's safety net (task-dependencies.ts).
CREATE INDEX execution_tasks_blocked_idx ON execution_tasks (id) WHERE status = 'blocked';
-- Every status change would maintain this index; counts by kind and status come from the
-- partial indexes for live work and from telemetry rollups for history.
DROP INDEX execution_tasks_kind_status_idx;
-- Idempotency keys are optional: index only the rows that have one.
ALTER TABLE execution_tasks DROP CONSTRAINT execution_tasks_idempotency_key_unique;
CREATE UNIQUE INDEX execution_tasks_idempotency_key_idx ON execution_tasks (idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Attempts are written only by statements that join them to their task's row, so the foreign
-- key adds nothing but its check: 10 µs per attempt, a third of a batched completion on
-- PostgreSQL 15 (EXPLAIN ANALYZE of 500 completions: 5.0 of 14.8 ms). Deleting a task deletes
-- its attempts explicitly instead.
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_task_id_fkey;
-- An attempt is identified by its task and number: one index instead of two.
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_pkey;
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_task_attempt_unique;
ALTER TABLE task_attempts DROP COLUMN id;
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_pkey PRIMARY KEY (task_id, attempt);
-- 'released': a worker shutting down handed the task back before it finished.
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_outcome_check;
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_outcome_check
  CHECK (outcome IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lease_lost', 'released'));

-- Kinds whose tasks are not claimed. Enforced in the claim statement, so it holds for every
-- worker on every machine; running tasks finish.
CREATE TABLE task_kind_pauses (
  kind      text PRIMARY KEY,
  paused_at timestamptz NOT NULL DEFAULT now(),
  reason    text
);
-- The claim. Its plan must walk execution_tasks_ready_idx in order and stop after p_limit rows.
-- Planned as a plain statement, right after a bulk enqueue (statistics not yet updated), the
-- planner guessed a handful of queued rows and chose a bitmap scan and a sort of the whole
-- queue: 27 ms to claim 500 of 20,000 queued tasks, against under 1 ms for the index walk.
-- A function can carry planner settings that rule the sort out, whatever the statistics say.
CREATE FUNCTION steward_claim_tasks(p_worker text, p_limit integer, p_kinds text[], p_lease_ms integer)
RETURNS SETOF execution_tasks
LANGUAGE plpgsql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
BEGIN
  RETURN QUERY
  WITH picked AS (
    SELECT c.id FROM execution_tasks c
     WHERE c.status = 'queued'
       AND c.run_at <= now()
       AND c.kind = ANY (p_kinds)
       AND NOT EXISTS (SELECT 1 FROM task_kind_pauses p WHERE p.kind = c.kind)
     ORDER BY c.priority_at, c.id
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  )
  UPDATE execution_tasks t
     SET status = 'running',
         attempts = t.attempts + 1,
         locked_by = p_worker,
         locked_until = now() + p_lease_ms * interval '1 millisecond',
         started_at = now(),
         updated_at = now()
    FROM picked
   WHERE t.id = picked.id
  RETURNING t.*;
END
$$;

-- Finished attempts as a worker reports them, one JSON document a batch: serialising thirteen
-- array parameters cost PGlite more than the statement itself (≈20 µs a task). A function,
-- because jsonb_to_recordset() alone is planned as 100 rows and, next to a queue whose
-- statistics lag, that led to a 500 × 500 nested loop; ROWS 1000 keeps the hash join.
CREATE FUNCTION steward_attempt_reports(p_reports jsonb)
RETURNS TABLE (id bigint, attempt integer, outcome text, result jsonb, error jsonb, ai_model text,
               input_tokens bigint, output_tokens bigint, cost_usd numeric, queued_at timestamptz,
               finished_at timestamptz, retry_at timestamptz)
LANGUAGE plpgsql STABLE ROWS 1000
AS $$
BEGIN
  RETURN QUERY SELECT * FROM jsonb_to_recordset(p_reports) AS r(
    id bigint, attempt integer, outcome text, result jsonb, error jsonb, ai_model text, input_tokens bigint,
    output_tokens bigint, cost_usd numeric, queued_at timestamptz, finished_at timestamptz, retry_at timestamptz);
END
$$;
