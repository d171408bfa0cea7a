DROP TABLE model_kind_stats;
DROP TABLE model_calls;
DROP TABLE model_runtime;
ALTER TABLE task_attempts DROP COLUMN assignment;
ALTER TABLE execution_tasks DROP COLUMN assignment;
ALTER TABLE execution_tasks DROP COLUMN pinned_model;
