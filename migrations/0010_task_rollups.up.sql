-- Rollups of finished attempts, for telemetry (docs/architecture.md, "Telemetry"). Every attempt
-- row is counted once, by a statement-level trigger on task_attempts, in the transaction that
-- records it: whichever path records an attempt (a completion, a lost lease found by
-- maintenance, a cancellation), it is counted exactly once, and never when that transaction
-- rolls back, even if the worker dies.
--
-- task_rollups: by stage, kind and model, per minute (kept for days), per hour and per day (kept
-- for years). idea_rollups: by idea, stage, kind and model, per hour and per day (an idea's work is
-- read over hours and longer, and the idea dimension would multiply the minute rows).
--
-- Durations and queue waits are also kept as histograms that add up: counts of log-spaced
-- buckets, element i (1-based) counting values v in milliseconds with
-- ceil(ln(v / 0.1) / ln(1.2)) = i - 1 (i = 1: v ≤ 0.1 ms), so that any quantile read from them is
-- within 9.1 % of the true value (src/telemetry/histogram.ts reads them).
--
-- shard spreads the rows of one bucket over eight, by worker, so that two workers completing
-- tasks of the same kind in the same minute do not wait for each other's row lock.
CREATE TABLE task_rollups (
  grain           text NOT NULL,
  bucket_start    timestamptz NOT NULL,
  stage           text NOT NULL,
  kind            text NOT NULL,
  model           text NOT NULL,
  shard           smallint NOT NULL,
  attempts        bigint NOT NULL,
  succeeded       bigint NOT NULL,
  failed          bigint NOT NULL,
  timed_out       bigint NOT NULL,
  cancelled       bigint NOT NULL,
  lease_lost      bigint NOT NULL,
  released        bigint NOT NULL,
  retries         bigint NOT NULL,
  tasks_failed    bigint NOT NULL,
  deadline_misses bigint NOT NULL,
  unverified      bigint NOT NULL,
  duration_ms     float8 NOT NULL,
  queue_wait_ms   float8 NOT NULL,
  input_tokens    bigint NOT NULL,
  output_tokens   bigint NOT NULL,
  cost_usd        numeric(18,8) NOT NULL,
  duration_hist   integer[] NOT NULL,
  queue_wait_hist integer[] NOT NULL,
  CONSTRAINT task_rollups_grain_check CHECK (grain IN ('minute', 'hour', 'day')),
  CONSTRAINT task_rollups_pkey PRIMARY KEY (grain, bucket_start, stage, kind, model, shard)
);

CREATE TABLE idea_rollups (
  grain           text NOT NULL,
  bucket_start    timestamptz NOT NULL,
  idea_id         bigint NOT NULL,
  stage           text NOT NULL,
  kind            text NOT NULL,
  model           text NOT NULL,
  shard           smallint NOT NULL,
  attempts        bigint NOT NULL,
  succeeded       bigint NOT NULL,
  failed          bigint NOT NULL,
  timed_out       bigint NOT NULL,
  cancelled       bigint NOT NULL,
  lease_lost      bigint NOT NULL,
  released        bigint NOT NULL,
  retries         bigint NOT NULL,
  tasks_failed    bigint NOT NULL,
  deadline_misses bigint NOT NULL,
  unverified      bigint NOT NULL,
  duration_ms     float8 NOT NULL,
  queue_wait_ms   float8 NOT NULL,
  input_tokens    bigint NOT NULL,
  output_tokens   bigint NOT NULL,
  cost_usd        numeric(18,8) NOT NULL,
  CONSTRAINT idea_rollups_grain_check CHECK (grain IN ('hour', 'day')),
  CONSTRAINT idea_rollups_pkey PRIMARY KEY (grain, bucket_start, idea_id, stage, kind, model, shard)
);

-- Element-wise sum of two bucket-count arrays of any lengths ({0} when both are empty).
-- In PL/pgSQL: an SQL function with an aggregate is never inlined and costs a plan per call
-- (≈70 µs for 70 buckets, ≈22 µs here).
CREATE FUNCTION steward_add_counts(a integer[], b integer[]) RETURNS integer[]
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

-- The dense histogram of a group's buckets (1-based): element i counts the attempts in bucket i.
-- One call per group and histogram, a loop over its attempts' buckets. Grouping the attempts by
-- bucket too, with an aggregate taking a PL/pgSQL step per (bucket, count) group, cost 14 µs an
-- attempt on PGlite in engine batches, this 3.6 (docs/benchmarks.md, "Telemetry on, against the
-- engine before it").
CREATE FUNCTION steward_histogram(buckets integer[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  counts integer[] := '{}';
  len integer := 0;
  b integer;
BEGIN
  FOREACH b IN ARRAY buckets LOOP
    IF b > len THEN
      counts := counts || array_fill(0, ARRAY[b - len]);
      len := b;
    END IF;
    counts[b] := counts[b] + 1;
  END LOOP;
  RETURN counts;
END
$$;

-- The bucket (1-based) of a value in milliseconds; see the histograms above.
CREATE FUNCTION steward_bucket(ms float8) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN ms <= 0.1 THEN 1 ELSE least(ceil(ln(ms / 0.1) / ln(1.2))::integer, 199) + 1 END $$;

-- Sums bucket-count arrays (hour and day rows from the minute rows of one statement).
CREATE AGGREGATE steward_sum_counts(integer[]) (SFUNC = steward_add_counts, STYPE = integer[]);

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
CREATE FUNCTION steward_roll_up_attempts() RETURNS trigger
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

CREATE TRIGGER task_attempts_roll_up
AFTER INSERT ON task_attempts
REFERENCING NEW TABLE AS new_attempts
FOR EACH STATEMENT EXECUTE FUNCTION steward_roll_up_attempts();
