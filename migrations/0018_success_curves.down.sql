-- Back to migration 0017: no success curves, no record of what a handed-back task waits for.
DROP INDEX execution_tasks_waiting_for_idx;
ALTER TABLE execution_tasks DROP COLUMN waiting_for;
ALTER TABLE model_calls DROP COLUMN skill_gaps;
DROP TABLE model_success_counts;
