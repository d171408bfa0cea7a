-- Leases found through claims instead of an index on execution_tasks (docs/benchmarks.md,
-- 2026-12-02). The lease index (locked_until of running tasks) took an entry at every claim,
-- and every completion left it, so no completion could be a HOT update; the completion also
-- found its rows through it, visiting the dead entry of every task run since the last vacuum
-- (PGlite never vacuums). Now:
-- - each claim records the tasks it leased in one row of task_claims, removed by the worker once
--   it is done with them all; expired leases are looked for among the tasks of recorded claims;
-- - plain successes (most of a busy queue's completions) find their tasks by primary key, in a
--   function whose plan cannot change with the statistics; other completions join their tasks
--   as the planner sees fit (src/tasks/complete-tasks.ts).
CREATE TABLE task_claims (
  id         bigint GENERATED ALWAYS AS IDENTITY,
  worker_id  text NOT NULL,
  task_ids   bigint[] NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT task_claims_pkey PRIMARY KEY (id)
);

-- Tasks running now were leased before claims were recorded: one claim per worker covers them.
INSERT INTO task_claims (worker_id, task_ids)
SELECT locked_by, array_agg(id ORDER BY id)
  FROM execution_tasks
 WHERE status = 'running' AND locked_by IS NOT NULL
 GROUP BY locked_by;

DROP INDEX execution_tasks_lease_idx;

-- The claim records its tasks, and answers [started_at, [[id, kind, stage, idea_id, urgency,
-- complexity, capabilities, payload, ai_model, attempts, max_attempts, timeout_ms, deadline,
-- run_at], …], claim id] (src/tasks/claim-tasks.ts reads it).
DROP FUNCTION steward_claim_tasks(text, integer, text[], integer);
CREATE FUNCTION steward_claim_tasks(p_worker text, p_limit integer, p_kinds text[], p_lease_ms integer)
RETURNS text
LANGUAGE plpgsql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
DECLARE
  paused text[] := ARRAY(SELECT kind FROM task_kind_pauses);
  claimed text;
BEGIN
  WITH updated AS (
    UPDATE execution_tasks t
       SET status = 'running',
           attempts = t.attempts + 1,
           locked_by = p_worker,
           locked_until = now() + p_lease_ms * interval '1 millisecond',
           started_at = now(),
           updated_at = now()
     -- The rows are found by their physical address: they are locked by the subquery, so no one
     -- else can move them before the update.
     WHERE t.ctid = ANY (ARRAY(
       SELECT c.ctid FROM execution_tasks c
        WHERE c.status = 'queued'
          AND c.run_at <= now()
          AND c.kind = ANY (p_kinds)
          AND c.kind <> ALL (paused)
        ORDER BY c.priority_at, c.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED))
    RETURNING t.id, t.kind, t.stage, t.idea_id, t.urgency, t.complexity, t.capabilities, t.payload,
              t.ai_model, t.attempts, t.max_attempts, t.timeout_ms, t.deadline, t.run_at
  ), noted AS (
    INSERT INTO task_claims (worker_id, task_ids)
    SELECT p_worker, array_agg(id) FROM updated HAVING count(*) > 0
    RETURNING id
  )
  SELECT json_build_array(now(), json_agg(json_build_array(
           id, kind, stage, idea_id, urgency, complexity, capabilities, payload, ai_model, attempts,
           max_attempts, timeout_ms, deadline, run_at)), (SELECT id FROM noted))::text
    INTO claimed
    FROM updated
  HAVING count(*) > 0;
  RETURN claimed;
END
$$;

-- Plain successes (no result, no model, no usage), and the claims the worker is done with. Each
-- report finds its task by primary key (an index scan of p_ids, hashed against the reports):
-- the planner may choose nothing else, so a queue whose statistics lag (right after a bulk
-- enqueue, or on PGlite, which never analyzes) cannot lead it to scan the table or to loop
-- over the reports once per row. Answers [[id, 'succeeded', has_dependents], …] (NULL: none).
CREATE FUNCTION steward_complete_plain(p_worker text, p_ids bigint[], p_attempts integer[],
                                       p_finished_ms float8[], p_spent_claims bigint[])
RETURNS text
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_nestloop = off
SET enable_mergejoin = off
AS $$
DECLARE
  done text;
BEGIN
  WITH updated AS (
    UPDATE execution_tasks t
       SET status = 'succeeded', result = NULL, error = NULL,
           finished_at = to_timestamp(r.finished_ms / 1000.0),
           locked_by = NULL, locked_until = NULL, updated_at = now()
      FROM unnest(p_ids, p_attempts, p_finished_ms) AS r(id, attempt, finished_ms)
     WHERE t.id = ANY (p_ids) AND t.id = r.id
       AND t.status = 'running' AND t.locked_by = p_worker AND t.attempts = r.attempt
    RETURNING t.id, r.attempt, t.finished_at, t.started_at, t.run_at, t.assignment, t.has_dependents
  ), recorded AS (
    INSERT INTO task_attempts (task_id, attempt, worker_id, outcome, queued_at, started_at, finished_at, assignment)
    SELECT id, attempt, p_worker, 'succeeded', run_at, started_at, finished_at, assignment FROM updated
  ), forgotten AS (
    DELETE FROM task_claims WHERE id = ANY (p_spent_claims) AND worker_id = p_worker
  )
  SELECT json_agg(json_build_array(id, 'succeeded', has_dependents))::text INTO done FROM updated;
  RETURN done;
END
$$;

DROP FUNCTION steward_plain_reports(bigint[], integer[], float8[]);
