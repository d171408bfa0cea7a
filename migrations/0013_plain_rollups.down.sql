-- Back to migration 0012: plain successes rolled up by the attempts trigger (migration 0010).
DROP FUNCTION steward_complete_plain(text, bigint[], integer[], float8[], bigint[]);
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

-- One statement, one pass over the attempts: they are joined to their tasks and grouped at
-- once by minute, stage, kind, model, shard and idea, each group with the histograms of its
-- durations and queue waits (steward_histogram); everything after works on those few groups (a
-- batch of attempts usually falls in one or two minutes and a few kinds): the hour and day rows
-- are summed from the minutes, and every row is added to what is there. Linear in the groups: a
-- subquery per bucket over the statement's groups (a CTE has no index, and the settings below
-- leave only nested loops) was quadratic: 4,000 attempts over 4,000 minutes (a backlog, a load of history) took
-- 279 s, where they take 0.48 s now (docs/benchmarks.md, "Telemetry at a million tasks").
--
-- The attempts find their tasks by primary key: a transition table has no statistics, and a
-- queue's are often stale, so the planner is allowed nothing else (a scan of execution_tasks per
-- statement would cost as much as the whole history). Those settings make the planner's cost
-- estimate huge, which would have PostgreSQL compile the statement with JIT every time (3.7 s for
-- a batch of 1,000, measured): jit is off. Buckets are UTC minutes, hours and days (date_bin from
-- a UTC origin: arithmetic, where date_trunc with a time zone looks the zone up for every row).
CREATE OR REPLACE FUNCTION steward_roll_up_attempts() RETURNS trigger
LANGUAGE plpgsql
SET jit = off
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
  WITH g AS (
    SELECT date_bin('1 minute', n.finished_at, timestamptz '2000-01-01 00:00Z') AS minute,
           t.stage, t.kind, COALESCE(n.ai_model, '') AS model, (hashtext(n.worker_id) & 7)::smallint AS shard,
           t.idea_id,
           steward_histogram(array_agg(steward_bucket(x.duration_ms))) AS dh,
           steward_histogram(array_agg(steward_bucket(x.queue_wait_ms))) AS wh,
           count(*) AS attempts, count(*) FILTER (WHERE n.outcome = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE n.outcome = 'failed') AS failed,
           count(*) FILTER (WHERE n.outcome = 'timed_out') AS timed_out,
           count(*) FILTER (WHERE n.outcome = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE n.outcome = 'lease_lost') AS lease_lost,
           count(*) FILTER (WHERE n.outcome = 'released') AS released,
           count(*) FILTER (WHERE n.attempt > 1) AS retries,
           count(*) FILTER (WHERE n.outcome IN ('failed', 'timed_out', 'lease_lost') AND t.status = 'failed') AS tasks_failed,
           count(*) FILTER (WHERE t.deadline IS NOT NULL AND n.finished_at > t.deadline
                              AND (n.outcome = 'succeeded' OR t.status IN ('failed', 'cancelled'))) AS deadline_misses,
           -- Answers the model gave as done that failed the task's check (src/models/llm-kind.ts,
           -- OutputMismatchError): success as the model reports it, not as verified.
           count(*) FILTER (WHERE n.outcome = 'failed' AND n.error_class = 'OutputMismatch') AS unverified,
           sum(x.duration_ms) AS duration_ms, sum(x.queue_wait_ms) AS queue_wait_ms,
           sum(n.input_tokens) AS input_tokens, sum(n.output_tokens) AS output_tokens, sum(n.cost_usd) AS cost_usd
      FROM new_attempts n
      JOIN execution_tasks t ON t.id = n.task_id
     CROSS JOIN LATERAL (SELECT greatest(date_part('epoch', n.finished_at - n.started_at) * 1000, 0) AS duration_ms,
                                greatest(date_part('epoch', n.started_at - n.queued_at) * 1000, 0) AS queue_wait_ms) x
     WHERE n.outcome <> 'running' AND n.finished_at IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6
  ), ideas AS (
    INSERT INTO idea_rollups AS r
    SELECT s.grain, date_bin(s.width, c.minute, timestamptz '2000-01-01 00:00Z'), c.idea_id, c.stage, c.kind, c.model, c.shard,
           sum(c.attempts), sum(c.succeeded), sum(c.failed), sum(c.timed_out), sum(c.cancelled),
           sum(c.lease_lost), sum(c.released), sum(c.retries), sum(c.tasks_failed), sum(c.deadline_misses), sum(c.unverified),
           sum(c.duration_ms), sum(c.queue_wait_ms), sum(c.input_tokens), sum(c.output_tokens), sum(c.cost_usd)
      FROM g c CROSS JOIN (VALUES ('hour', interval '1 hour'), ('day', interval '1 day')) AS s(grain, width)
     WHERE c.idea_id IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (grain, bucket_start, idea_id, stage, kind, model, shard) DO UPDATE SET
      attempts = r.attempts + excluded.attempts, succeeded = r.succeeded + excluded.succeeded,
      failed = r.failed + excluded.failed, timed_out = r.timed_out + excluded.timed_out,
      cancelled = r.cancelled + excluded.cancelled, lease_lost = r.lease_lost + excluded.lease_lost,
      released = r.released + excluded.released, retries = r.retries + excluded.retries,
      tasks_failed = r.tasks_failed + excluded.tasks_failed,
      deadline_misses = r.deadline_misses + excluded.deadline_misses, unverified = r.unverified + excluded.unverified,
      duration_ms = r.duration_ms + excluded.duration_ms, queue_wait_ms = r.queue_wait_ms + excluded.queue_wait_ms,
      input_tokens = r.input_tokens + excluded.input_tokens, output_tokens = r.output_tokens + excluded.output_tokens,
      cost_usd = r.cost_usd + excluded.cost_usd
  )
  INSERT INTO task_rollups AS r
  SELECT s.grain, date_bin(s.width, m.minute, timestamptz '2000-01-01 00:00Z'), m.stage, m.kind, m.model, m.shard,
         sum(m.attempts), sum(m.succeeded), sum(m.failed), sum(m.timed_out), sum(m.cancelled),
         sum(m.lease_lost), sum(m.released), sum(m.retries), sum(m.tasks_failed), sum(m.deadline_misses), sum(m.unverified),
         sum(m.duration_ms), sum(m.queue_wait_ms), sum(m.input_tokens), sum(m.output_tokens), sum(m.cost_usd),
         steward_sum_counts(m.dh), steward_sum_counts(m.wh)
    FROM g m
   CROSS JOIN (VALUES ('minute', interval '1 minute'), ('hour', interval '1 hour'), ('day', interval '1 day')) AS s(grain, width)
   GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (grain, bucket_start, stage, kind, model, shard) DO UPDATE SET
    attempts = r.attempts + excluded.attempts, succeeded = r.succeeded + excluded.succeeded,
    failed = r.failed + excluded.failed, timed_out = r.timed_out + excluded.timed_out,
    cancelled = r.cancelled + excluded.cancelled, lease_lost = r.lease_lost + excluded.lease_lost,
    released = r.released + excluded.released, retries = r.retries + excluded.retries,
    tasks_failed = r.tasks_failed + excluded.tasks_failed,
    deadline_misses = r.deadline_misses + excluded.deadline_misses, unverified = r.unverified + excluded.unverified,
    duration_ms = r.duration_ms + excluded.duration_ms, queue_wait_ms = r.queue_wait_ms + excluded.queue_wait_ms,
    input_tokens = r.input_tokens + excluded.input_tokens, output_tokens = r.output_tokens + excluded.output_tokens,
    cost_usd = r.cost_usd + excluded.cost_usd,
    duration_hist = steward_add_counts(r.duration_hist, excluded.duration_hist),
    queue_wait_hist = steward_add_counts(r.queue_wait_hist, excluded.queue_wait_hist);
  RETURN NULL;
END
$$;

DROP FUNCTION steward_store_rollups(steward_rollup_group[]);
DROP TYPE steward_rollup_group;
