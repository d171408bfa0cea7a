-- Completions as HOT updates (docs/benchmarks.md, 2026-12-02). PostgreSQL updates a row in place
-- (a heap-only tuple: no new index entry, less WAL) only when no column an index reads changes and
-- the page has room. Every index of queued or blocked tasks named `status` in its predicate, so
-- every change of status (running → succeeded) wrote a new entry into every index. They now read
-- waiting_status instead: 'queued' or 'blocked' while the task waits, NULL otherwise, which a
-- completion leaves NULL. With the lease index gone (migration 0008), a success, a heartbeat and a
-- model assignment change no indexed column; 30 % of each page is left free for the new versions.
-- The claim still moves its rows out of the ready index: it cannot be HOT, and needs not be.
-- Adding the column rewrites the table (and applies the fill factor to every page).
ALTER TABLE execution_tasks SET (fillfactor = 70);
ALTER TABLE execution_tasks ADD COLUMN waiting_status text
  GENERATED ALWAYS AS (CASE WHEN status IN ('queued', 'blocked') THEN status END) STORED;

DROP INDEX execution_tasks_ready_idx;
CREATE INDEX execution_tasks_ready_idx ON execution_tasks (priority_at, id) WHERE waiting_status = 'queued';
DROP INDEX execution_tasks_blocked_idx;
CREATE INDEX execution_tasks_blocked_idx ON execution_tasks (id) WHERE waiting_status = 'blocked';

-- The claim reads the ready index through its new predicate; otherwise as in migration 0008.
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
