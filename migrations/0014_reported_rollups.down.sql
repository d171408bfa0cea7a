-- Back to migration 0013: plain successes grouped by their completion statement alone.
DROP FUNCTION steward_complete_plain(text, bigint[], integer[], float8[], bigint[], json);

-- Plain successes (no result, no model, no usage), and the claims the worker is done with, as in
-- migration 0008 (each report finds its task by primary key, the planner allowed nothing else),
-- now also rolled up here, from the updated rows: all succeeded, no model, no tokens, no cost.
-- Answers [[id, 'succeeded', has_dependents], …] (NULL: none).
CREATE FUNCTION steward_complete_plain(p_worker text, p_ids bigint[], p_attempts integer[],
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
