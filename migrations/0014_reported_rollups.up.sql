-- Plain successes rolled up from groups the worker reports, when every report counted: the worker
-- already holds each attempt's task (stage, kind, idea, deadline) and its times from the claim,
-- so it groups them and makes their histograms itself (src/tasks/reported-rollups.ts), at a
-- fraction of a microsecond an attempt, where grouping them in this statement cost 7 µs of
-- PGlite's CPU a task and the drain 10 % of its throughput (docs/benchmarks.md, "Plain successes
-- rolled up from the worker's groups"). The worker's groups are taken only when the statement
-- updated every task reported (none was fenced off: a lease lost, a task cancelled, a report
-- given twice), so that they count exactly the attempts recorded; otherwise, and for a caller
-- that sends none, the statement groups the updated rows as in migration 0013. The worker's
-- arithmetic is SQL's, held equal by test/telemetry/task-measures.test.ts on both databases.
DROP FUNCTION steward_complete_plain(text, bigint[], integer[], float8[], bigint[]);

-- p_rollups: [{minute_ms, stage, kind, idea_id, dh, wh, attempts, retries, deadline_misses,
-- duration_ms, queue_wait_ms}, …], dh and wh as array literals ('{0,3,1}'); NULL: none sent.
--
-- Answers [recorded, [ids of those with dependents], [ids reported but not recorded], or null
-- there when every report counted ([] when only a duplicate was not)]: the worker knows the ids
-- it reported, and a triple per task written here and parsed there cost 1.7 µs a task on
-- PGlite, 5 % of the statement.
CREATE FUNCTION steward_complete_plain(p_worker text, p_ids bigint[], p_attempts integer[],
                                       p_finished_ms float8[], p_spent_claims bigint[], p_rollups json)
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
  ), reported AS (
    SELECT to_timestamp((j ->> 'minute_ms')::float8 / 1000.0) AS minute, j ->> 'stage' AS stage,
           j ->> 'kind' AS kind, ''::text AS model, (hashtext(p_worker) & 7)::smallint AS shard,
           (j ->> 'idea_id')::bigint AS idea_id, (j ->> 'dh')::integer[] AS dh, (j ->> 'wh')::integer[] AS wh,
           (j ->> 'attempts')::bigint AS attempts, (j ->> 'attempts')::bigint AS succeeded, 0::bigint AS failed,
           0::bigint AS timed_out, 0::bigint AS cancelled, 0::bigint AS lease_lost, 0::bigint AS released,
           (j ->> 'retries')::bigint AS retries, 0::bigint AS tasks_failed,
           (j ->> 'deadline_misses')::bigint AS deadline_misses, 0::bigint AS unverified,
           (j ->> 'duration_ms')::float8 AS duration_ms, (j ->> 'queue_wait_ms')::float8 AS queue_wait_ms,
           0::bigint AS input_tokens, 0::bigint AS output_tokens, 0::numeric AS cost_usd
      FROM json_array_elements(p_rollups) j
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
  SELECT (SELECT json_build_array(count(*), COALESCE(json_agg(id) FILTER (WHERE has_dependents), '[]'),
                                  CASE WHEN count(*) < cardinality(p_ids) THEN
                                    (SELECT COALESCE(json_agg(r.id), '[]') FROM unnest(p_ids) AS r(id)
                                      WHERE r.id NOT IN (SELECT id FROM updated))
                                  END)::text
            FROM updated),
         CASE WHEN p_rollups IS NOT NULL AND (SELECT count(*) FROM updated) = cardinality(p_ids)
              THEN (SELECT array_agg(ROW(reported.*)::steward_rollup_group) FROM reported)
              ELSE (SELECT array_agg(ROW(g.*)::steward_rollup_group) FROM g) END
    INTO done, groups;
  PERFORM set_config('steward.rolled_up', 'off', true);
  PERFORM steward_store_rollups(groups);
  RETURN done;
END
$$;
