-- Steward's core domain: ideas, the tasks that implement them, each attempt, and task dependencies.
-- Task states (see docs/architecture.md): blocked, queued, running, succeeded, failed, cancelled.

CREATE TABLE ideas (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key           text NOT NULL,
  title         text NOT NULL,
  status        text NOT NULL DEFAULT 'proposed',
  income_stream text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ideas_key_unique UNIQUE (key),
  CONSTRAINT ideas_status_check CHECK (status IN ('proposed', 'active', 'paused', 'retired'))
);

CREATE TABLE execution_tasks (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            text NOT NULL,
  stage           text NOT NULL,
  status          text NOT NULL DEFAULT 'queued',
  idea_id         bigint REFERENCES ideas (id) ON DELETE SET NULL,
  urgency         smallint NOT NULL DEFAULT 5,
  complexity      smallint NOT NULL DEFAULT 5,
  capabilities    text[] NOT NULL DEFAULT '{}',
  payload         jsonb NOT NULL DEFAULT '{}',
  result          jsonb,
  error           jsonb,
  ai_model        text,
  attempts        integer NOT NULL DEFAULT 0,
  max_attempts    integer NOT NULL DEFAULT 3,
  timeout_ms      integer,
  run_at          timestamptz NOT NULL DEFAULT now(),
  deadline        timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  input_tokens    bigint NOT NULL DEFAULT 0,
  output_tokens   bigint NOT NULL DEFAULT 0,
  cost_usd        numeric(18, 8) NOT NULL DEFAULT 0,
  idempotency_key text,
  locked_by       text,
  locked_until    timestamptz,
  CONSTRAINT execution_tasks_status_check
    CHECK (status IN ('blocked', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
  CONSTRAINT execution_tasks_urgency_check CHECK (urgency BETWEEN 0 AND 10),
  CONSTRAINT execution_tasks_complexity_check CHECK (complexity BETWEEN 0 AND 10),
  CONSTRAINT execution_tasks_attempts_check CHECK (attempts >= 0 AND max_attempts >= 1),
  CONSTRAINT execution_tasks_idempotency_key_unique UNIQUE (idempotency_key)
);

-- Ready work, in the order the claim reads it.
CREATE INDEX execution_tasks_ready_idx ON execution_tasks (run_at, id) WHERE status = 'queued';
-- Expired leases are found by this one.
CREATE INDEX execution_tasks_lease_idx ON execution_tasks (locked_until) WHERE status = 'running';
CREATE INDEX execution_tasks_kind_status_idx ON execution_tasks (kind, status);
CREATE INDEX execution_tasks_idea_idx ON execution_tasks (idea_id) WHERE idea_id IS NOT NULL;

CREATE TABLE task_attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id       bigint NOT NULL REFERENCES execution_tasks (id) ON DELETE CASCADE,
  attempt       integer NOT NULL,
  worker_id     text NOT NULL,
  ai_model      text,
  outcome       text NOT NULL DEFAULT 'running',
  queued_at     timestamptz NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  error_class   text,
  error_message text,
  input_tokens  bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cost_usd      numeric(18, 8) NOT NULL DEFAULT 0,
  CONSTRAINT task_attempts_task_attempt_unique UNIQUE (task_id, attempt),
  CONSTRAINT task_attempts_outcome_check
    CHECK (outcome IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lease_lost'))
);

CREATE TABLE task_dependencies (
  task_id    bigint NOT NULL REFERENCES execution_tasks (id) ON DELETE CASCADE,
  depends_on bigint NOT NULL REFERENCES execution_tasks (id) ON DELETE CASCADE,
  CONSTRAINT task_dependencies_pkey PRIMARY KEY (task_id, depends_on),
  CONSTRAINT task_dependencies_not_self CHECK (task_id <> depends_on)
);

CREATE INDEX task_dependencies_depends_on_idx ON task_dependencies (depends_on);
