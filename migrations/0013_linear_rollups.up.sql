-- The rollup trigger in time linear in the attempts of a statement (it was quadratic), and a
-- faster sum of histograms.
--
-- Migration 0010 made each minute row's histograms with a subquery per bucket that scanned every
-- group of the statement (a CTE has no index, and the function's planner settings, which keep the
-- join to execution_tasks on its primary key, leave only nested loops): groups × buckets × groups.
-- A batch in one minute and one kind is a few groups, which is what 0010 measured. Ten kinds on
-- eight models, PostgreSQL 15 on 2 cores: 1,000 attempts in one minute took 1.7 s, the same 1,000
-- spread over 1,000 minutes (a backlog, a load of history) 25 s, 4,000 over 4,000 minutes 279 s
-- (docs/benchmarks.md, "Telemetry at a million tasks").
--
-- Now every row's histograms (minute, hour and day) are made by an aggregate over the statement's
-- groups: counts added into a dense array that grows to the highest bucket seen, the same arrays
-- as before (element i counts bucket i; as long as the highest bucket). steward_add_counts, which
-- merges a row with what is there and which readMeasures sums histograms with, is the same
-- function in PL/pgSQL: an SQL function with an aggregate is never inlined and costs a plan per
-- call (≈70 µs for 70 buckets, ≈22 µs now). Nothing else of the trigger changes.

-- Adds n attempts to bucket (1-based) of a dense count array, growing it with zeros as needed.
CREATE FUNCTION steward_count_bucket(counts integer[], bucket integer, n bigint) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  len integer := COALESCE(cardinality(counts), 0);
BEGIN
  IF bucket > len THEN
    counts := COALESCE(counts, '{}') || array_fill(0, ARRAY[bucket - len]);
  END IF;
  counts[bucket] := counts[bucket] + n;
  RETURN counts;
END
$$;

-- The dense histogram of (bucket, count) pairs.
CREATE AGGREGATE steward_bucket_counts(integer, bigint) (
  SFUNC = steward_count_bucket, STYPE = integer[], INITCOND = '{}'
);

-- Element-wise sum of two bucket-count arrays of any lengths ({0} when both are empty, as before).
CREATE OR REPLACE FUNCTION steward_add_counts(a integer[], b integer[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  la integer := COALESCE(cardinality(a), 0);
  lb integer := COALESCE(cardinality(b), 0);
BEGIN
  IF la < lb THEN RETURN steward_add_counts(b, a); END IF;
  IF la = 0 THEN RETURN '{0}'; END IF;
  FOR i IN 1 .. lb LOOP
    a[i] := a[i] + b[i];
  END LOOP;
  RETURN a;
END
$$;

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
           t.idea_id, steward_bucket(x.duration_ms) AS db, steward_bucket(x.queue_wait_ms) AS wb,
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
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
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
         steward_bucket_counts(m.db, m.attempts), steward_bucket_counts(m.wb, m.attempts)
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

