DROP FUNCTION steward_attempt_reports(jsonb);
DROP FUNCTION steward_claim_tasks(text, integer, text[], integer);
DROP TABLE task_kind_pauses;

DELETE FROM task_attempts WHERE outcome = 'released';
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_outcome_check;
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_outcome_check
  CHECK (outcome IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lease_lost'));
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_pkey;
ALTER TABLE task_attempts ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_pkey PRIMARY KEY (id);
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_task_attempt_unique UNIQUE (task_id, attempt);
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_task_id_fkey
  FOREIGN KEY (task_id) REFERENCES execution_tasks (id) ON DELETE CASCADE;

DROP INDEX execution_tasks_idempotency_key_idx;
ALTER TABLE execution_tasks ADD CONSTRAINT execution_tasks_idempotency_key_unique UNIQUE (idempotency_key);
CREATE INDEX execution_tasks_kind_status_idx ON execution_tasks (kind, status);
DROP INDEX execution_tasks_blocked_idx;
DROP INDEX execution_tasks_ready_idx;
CREATE INDEX execution_tasks_ready_idx ON execution_tasks (run_at, id) WHERE status = 'queued';

ALTER TABLE execution_tasks DROP CONSTRAINT execution_tasks_pending_dependencies_check;
ALTER TABLE execution_tasks DROP CONSTRAINT execution_tasks_on_dependency_failure_check;
ALTER TABLE execution_tasks DROP COLUMN on_dependency_failure;
ALTER TABLE execution_tasks DROP COLUMN has_dependents;
ALTER TABLE execution_tasks DROP COLUMN pending_dependencies;
ALTER TABLE execution_tasks DROP COLUMN priority_at;
