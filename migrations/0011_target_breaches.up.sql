-- Breaches of the targets (SLOs) of the configuration's telemetry.targets (src/telemetry/targets.ts):
-- one row per time a measure of a stage and/or kind was found beyond its target over the
-- target's window. While it lasts, each evaluation updates the open row (its numbers, sentence
-- and last_seen_at); the first evaluation that finds the measure met again resolves it. The
-- self-assessment (FSAR) reports read these rows.
--
-- A target is named by what it covers: stage and kind ('' when the target does not name one,
-- as task_rollups keeps '' for no model) and its window ('1h'). Configuration refuses two targets
-- with the same three, so "one open breach per target and measure" is this unique index.
CREATE TABLE target_breaches (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stage             text NOT NULL,
  kind              text NOT NULL,
  target_window     text NOT NULL,
  measure           text NOT NULL,
  -- The latest observed value and the target it was held against (the configuration's, at
  -- that evaluation), and the worst value seen while the breach lasted.
  observed          float8 NOT NULL,
  target            float8 NOT NULL,
  worst             float8 NOT NULL,
  window_from       timestamptz NOT NULL,
  window_to         timestamptz NOT NULL,
  attempts          bigint NOT NULL,
  sentence          text NOT NULL,
  evaluations       integer NOT NULL DEFAULT 1,
  opened_at         timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  resolved_at       timestamptz,
  -- The value that met the target again.
  resolved_observed float8,
  CONSTRAINT target_breaches_measure_check CHECK (measure IN
    ('avgDurationMs', 'p95DurationMs', 'successRate', 'queueWaitP95Ms', 'costPerSuccessUsd')),
  CONSTRAINT target_breaches_resolved_check CHECK (resolved_at IS NULL OR resolved_at >= opened_at)
);

CREATE UNIQUE INDEX target_breaches_open_idx ON target_breaches (stage, kind, target_window, measure)
  WHERE resolved_at IS NULL;
CREATE INDEX target_breaches_opened_at_idx ON target_breaches (opened_at);
