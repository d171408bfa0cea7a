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
  WITH picked AS (
    SELECT c.id FROM execution_tasks c
     WHERE c.status = 'queued'
       AND c.run_at <= now()
       AND c.kind = ANY (p_kinds)
       AND c.kind <> ALL (paused)
     ORDER BY c.priority_at, c.id
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  ), updated AS (
    UPDATE execution_tasks t
       SET status = 'running',
           attempts = t.attempts + 1,
           locked_by = p_worker,
           locked_until = now() + p_lease_ms * interval '1 millisecond',
           started_at = now(),
           updated_at = now()
      FROM picked
     WHERE t.id = picked.id
    RETURNING t.id, t.kind, t.stage, t.idea_id, t.urgency, t.complexity, t.capabilities, t.payload,
              t.ai_model, t.attempts, t.max_attempts, t.timeout_ms, t.deadline, t.run_at
  )
  SELECT json_build_array(now(), json_agg(json_build_array(
           id, kind, stage, idea_id, urgency, complexity, capabilities, payload, ai_model, attempts,
           max_attempts, timeout_ms, deadline, run_at)))::text
    INTO claimed
    FROM updated
  HAVING count(*) > 0;
  RETURN claimed;
END
$$;
