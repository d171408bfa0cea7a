DROP TABLE steward_backfills;
