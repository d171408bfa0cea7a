-- Back to migration 0016: no reports, no gate; the claim as in migration 0009.
DROP INDEX task_attempts_failed_idx;
DROP TABLE database_errors;
DROP TABLE fsar_actions;
DROP TABLE fsar_findings;
DROP TABLE fsar_reports;
DROP TABLE operator_actions;
DROP TABLE gate_overrides;
DROP TABLE execution_gates;

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
        WHERE c.waiting_status = 'queued'
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
