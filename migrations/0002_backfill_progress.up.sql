-- Progress of resumable backfills (`steward backfill <name>`): each batch commits its cursor
-- in the same transaction as its updates, so an interrupted backfill resumes where it stopped.
CREATE TABLE steward_backfills (
  name         text PRIMARY KEY,
  status       text NOT NULL DEFAULT 'running',
  cursor       bigint NOT NULL DEFAULT 0,
  rows_seen    bigint NOT NULL DEFAULT 0,
  rows_changed bigint NOT NULL DEFAULT 0,
  started_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  CONSTRAINT steward_backfills_status_check CHECK (status IN ('running', 'done'))
);

