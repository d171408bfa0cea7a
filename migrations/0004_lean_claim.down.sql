DROP FUNCTION steward_claim_tasks(text, integer, text[], integer);
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
