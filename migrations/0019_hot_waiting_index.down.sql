-- Back to migration 0018's predicate.
DROP INDEX execution_tasks_waiting_for_idx;
CREATE INDEX execution_tasks_waiting_for_idx ON execution_tasks (waiting_for, priority_at, id)
  WHERE waiting_for IS NOT NULL AND status = 'queued';
