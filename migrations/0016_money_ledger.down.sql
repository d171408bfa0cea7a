-- Back to migration 0015: the inbox alone.
DROP TABLE stripe_imports;
DROP TRIGGER money_sums_removed ON money_entries;
DROP TRIGGER money_sums_added ON money_entries;
DROP FUNCTION steward_money_sums_removed();
DROP FUNCTION steward_money_sums_added();
DROP TABLE money_sums;
DROP TABLE money_expenses;
DROP TABLE money_entries;
DROP TABLE stripe_links;
DROP TABLE stripe_objects;
DROP INDEX stripe_events_status_idx;
DROP INDEX stripe_events_object_idx;
ALTER TABLE stripe_events DROP COLUMN task_id, DROP COLUMN object_id;
