-- Models: shared state for limits that hold across every worker (docs/scheduling.md).

-- A task may be pinned to one model (it runs there or waits); the scheduler's latest
-- assignment, with the score of every factor, is kept on the task and on each attempt.
ALTER TABLE execution_tasks ADD COLUMN pinned_model text;
ALTER TABLE execution_tasks ADD COLUMN assignment jsonb;
ALTER TABLE task_attempts ADD COLUMN assignment jsonb;

-- One row per model that has had a cooldown: after a 429 or a server error, no worker sends it
-- a new request before cooldown_until.
CREATE TABLE model_runtime (
  model_id        text PRIMARY KEY,
  cooldown_until  timestamptz,
  cooldown_reason text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Every request sent to a model: requests and tokens per minute are counted here, and spend
-- (per model, provider and idea, per day and month) is summed from here. Written when the
-- scheduler assigns the attempt (estimated tokens), completed when the attempt is recorded.
CREATE TABLE model_calls (
  task_id          bigint NOT NULL,
  attempt          integer NOT NULL,
  model_id         text NOT NULL,
  provider         text NOT NULL,
  kind             text NOT NULL,
  idea_id          bigint,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  estimated_tokens bigint NOT NULL DEFAULT 0,
  input_tokens     bigint NOT NULL DEFAULT 0,
  output_tokens    bigint NOT NULL DEFAULT 0,
  cost_usd         numeric(18,8) NOT NULL DEFAULT 0,
  outcome          text,
  -- What the scheduler expected when it chose the model (src/scheduler/learn.ts calibrates
  -- what it learns against these): the chance of success, and the duration, of this attempt.
  prior_success     double precision,
  prior_duration_ms double precision,
  CONSTRAINT model_calls_pkey PRIMARY KEY (task_id, attempt)
);
CREATE INDEX model_calls_started_idx ON model_calls (started_at);
CREATE INDEX model_calls_model_started_idx ON model_calls (model_id, started_at);

-- What was learned per (model, kind) from finished attempts: the scheduler's success rates and
-- durations (src/scheduler/learn.ts; the same update in SQL, src/models/model-calls.ts).
CREATE TABLE model_kind_stats (
  model_id         text NOT NULL,
  kind             text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  successes        integer NOT NULL DEFAULT 0,
  mean_duration_ms double precision,
  -- Calibration: the sum of the success chances the scheduler expected of the attempts counted
  -- (NULL once an attempt without one was counted), and the weighted mean of actual ÷ expected
  -- duration of the successful ones.
  expected_successes  double precision,
  mean_duration_ratio double precision,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT model_kind_stats_pkey PRIMARY KEY (model_id, kind),
  CONSTRAINT model_kind_stats_counts_check CHECK (attempts >= 0 AND successes >= 0 AND successes <= attempts)
);
