-- Back to migration 0009: no rollups.
DROP TRIGGER task_attempts_roll_up ON task_attempts;
DROP FUNCTION steward_roll_up_attempts();
DROP AGGREGATE steward_sum_counts(integer[]);
DROP FUNCTION steward_histogram(integer[]);
DROP FUNCTION steward_bucket(float8);
DROP FUNCTION steward_add_counts(integer[], integer[]);
DROP TABLE idea_rollups;
DROP TABLE task_rollups;
