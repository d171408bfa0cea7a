-- Back to migration 0015: the inbox alone.
DROP TRIGGER money_daily_removed ON money_entries;
DROP TRIGGER money_daily_added ON money_entries;
DROP FUNCTION steward_money_daily_removed();
DROP FUNCTION steward_money_daily_added();
DROP TABLE stripe_imports;
DROP TABLE money_daily;
DROP TABLE money_expenses;
DROP TABLE money_entries;
DROP TABLE stripe_links;
DROP TABLE stripe_objects;
DROP INDEX stripe_events_status_idx;
DROP INDEX stripe_events_object_idx;
ALTER TABLE stripe_events DROP COLUMN task_id, DROP COLUMN object_id;
