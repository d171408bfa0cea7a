-- Plain successes are rolled up by the statement that completes them, from the rows it updates,
-- instead of by the attempts trigger, which found each attempt's task again by primary key: the
-- engine's hottest path (no-op and handler tasks without a model) paid that lookup per attempt,
-- 28 µs of CPU a task on PGlite (docs/benchmarks.md, "Telemetry on, against the engine before
-- it"). Every other path that records attempts is still counted by the trigger; the completion
-- statement tells the trigger it has counted its own (steward.rolled_up, local to the
-- transaction, set around that one statement), so each attempt is still counted exactly once,
-- in the transaction that records it.

-- One group of attempts: a minute, stage, kind, model, shard and idea, with its sums and the
-- histograms of its durations and queue waits (migration 0010 describes them).
CREATE TYPE steward_rollup_group AS (
  minute          timestamptz,
  stage           text,
  kind            text,
  model           text,
  shard           smallint,
  idea_id         bigint,
  dh              integer[],
  wh              integer[],
  attempts        bigint,
  succeeded       bigint,
  failed          bigint,
  timed_out       bigint,
  cancelled       bigint,
  lease_lost      bigint,
  released        bigint,
  retries         bigint,
  tasks_failed    bigint,
  deadline_misses bigint,
  unverified      bigint,
  duration_ms     float8,
  queue_wait_ms   float8,
  input_tokens    bigint,
  output_tokens   bigint,
  cost_usd        numeric
);

-- Adds groups to the rollups: hour and day rows summed from the minutes, every row added to what
-- is there. The one writer of task_rollups and idea_rollups for new attempts (compaction moves
-- rows between shards, src/telemetry/rollup-compaction.ts).
CREATE FUNCTION steward_store_rollups(groups steward_rollup_group[]) RETURNS void
LANGUAGE plpgsql
SET jit = off
AS $$
BEGIN
  IF COALESCE(cardinality(groups), 0) = 0 THEN RETURN; END IF;
  WITH g AS (
    SELECT * FROM unnest(groups)
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
END
$$;

-- The attempts trigger, as in migration 0010 (one pass over the statement's attempts joined to
-- their tasks, grouped at once; linear in the groups; the planner allowed only primary-key
-- lookups and no JIT, for the reasons given there), storing its groups through
-- steward_store_rollups, and counting nothing when the statement has counted its own attempts.
CREATE OR REPLACE FUNCTION steward_roll_up_attempts() RETURNS trigger
LANGUAGE plpgsql
SET jit = off
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
  IF current_setting('steward.rolled_up', true) = 'on' THEN RETURN NULL; END IF;
  PERFORM steward_store_rollups(array_agg(ROW(g.*)::steward_rollup_group)) FROM (
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
           sum(n.input_tokens)::bigint AS input_tokens, sum(n.output_tokens)::bigint AS output_tokens, sum(n.cost_usd) AS cost_usd
      FROM new_attempts n
      JOIN execution_tasks t ON t.id = n.task_id
     CROSS JOIN LATERAL (SELECT greatest(date_part('epoch', n.finished_at - n.started_at) * 1000, 0) AS duration_ms,
                                greatest(date_part('epoch', n.started_at - n.queued_at) * 1000, 0) AS queue_wait_ms) x
     WHERE n.outcome <> 'running' AND n.finished_at IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6
  ) g;
  RETURN NULL;
END
$$;

-- Plain successes (no result, no model, no usage), and the claims the worker is done with, as in
-- migration 0008 (each report finds its task by primary key, the planner allowed nothing else),
-- now also rolled up here, from the updated rows: all succeeded, no model, no tokens, no cost.
-- Answers [[id, 'succeeded', has_dependents], …] (NULL: none).
CREATE OR REPLACE FUNCTION steward_complete_plain(p_worker text, p_ids bigint[], p_attempts integer[],
                                                  p_finished_ms float8[], p_spent_claims bigint[])
RETURNS text
LANGUAGE plpgsql
SET jit = off
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_nestloop = off
SET enable_mergejoin = off
AS $$
DECLARE
  done text;
  groups steward_rollup_group[];
BEGIN
  PERFORM set_config('steward.rolled_up', 'on', true);
  WITH updated AS (
    UPDATE execution_tasks t
       SET status = 'succeeded', result = NULL, error = NULL,
           finished_at = to_timestamp(r.finished_ms / 1000.0),
           locked_by = NULL, locked_until = NULL, updated_at = now()
      FROM unnest(p_ids, p_attempts, p_finished_ms) AS r(id, attempt, finished_ms)
     WHERE t.id = ANY (p_ids) AND t.id = r.id
       AND t.status = 'running' AND t.locked_by = p_worker AND t.attempts = r.attempt
    RETURNING t.id, r.attempt, t.finished_at, t.started_at, t.run_at, t.assignment, t.has_dependents,
              t.stage, t.kind, t.idea_id, t.deadline
  ), recorded AS (
    INSERT INTO task_attempts (task_id, attempt, worker_id, outcome, queued_at, started_at, finished_at, assignment)
    SELECT id, attempt, p_worker, 'succeeded', run_at, started_at, finished_at, assignment FROM updated
  ), forgotten AS (
    DELETE FROM task_claims WHERE id = ANY (p_spent_claims) AND worker_id = p_worker
  ), g AS (
    SELECT date_bin('1 minute', u.finished_at, timestamptz '2000-01-01 00:00Z') AS minute,
           u.stage, u.kind, ''::text AS model, (hashtext(p_worker) & 7)::smallint AS shard, u.idea_id,
           steward_histogram(array_agg(steward_bucket(x.duration_ms))) AS dh,
           steward_histogram(array_agg(steward_bucket(x.queue_wait_ms))) AS wh,
           count(*) AS attempts, count(*) AS succeeded, 0::bigint AS failed, 0::bigint AS timed_out,
           0::bigint AS cancelled, 0::bigint AS lease_lost, 0::bigint AS released,
           count(*) FILTER (WHERE u.attempt > 1) AS retries, 0::bigint AS tasks_failed,
           count(*) FILTER (WHERE u.deadline IS NOT NULL AND u.finished_at > u.deadline) AS deadline_misses,
           0::bigint AS unverified, sum(x.duration_ms) AS duration_ms, sum(x.queue_wait_ms) AS queue_wait_ms,
           0::bigint AS input_tokens, 0::bigint AS output_tokens, 0::numeric AS cost_usd
      FROM updated u
     CROSS JOIN LATERAL (SELECT greatest(date_part('epoch', u.finished_at - u.started_at) * 1000, 0) AS duration_ms,
                                greatest(date_part('epoch', u.started_at - u.run_at) * 1000, 0) AS queue_wait_ms) x
     GROUP BY 1, 2, 3, 4, 5, 6
  )
  SELECT (SELECT json_agg(json_build_array(id, 'succeeded', has_dependents))::text FROM updated),
         (SELECT array_agg(ROW(g.*)::steward_rollup_group) FROM g)
    INTO done, groups;
  PERFORM set_config('steward.rolled_up', 'off', true);
  PERFORM steward_store_rollups(groups);
  RETURN done;
END
$$;
