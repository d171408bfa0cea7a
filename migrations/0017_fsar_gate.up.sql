-- FSAR reports, the execution gate and the operator-action log (src/fsar/, src/tasks/execution-gate.ts;
-- docs/fsar.md).
--
-- The gate: a row of execution_gates closes one scope, a task kind or '*' (every kind), for one
-- cause (a source of reports, or an operator). Several causes may hold the same scope closed;
-- it opens when the last of them lets go. The claim reads the rows in the statement that leases
-- tasks, so no worker of any process claims a gated task from the next claim on; running tasks
-- finish. A kind is never named '*' (task kinds match ^[a-z][a-z0-9_.-]*$).
CREATE TABLE execution_gates (
  scope        text NOT NULL,
  cause        text NOT NULL,
  closed_at    timestamptz NOT NULL DEFAULT now(),
  reason       text NOT NULL,
  report_id    text,
  finding_keys text[] NOT NULL DEFAULT '{}',
  closed_by    text NOT NULL,
  CONSTRAINT execution_gates_pkey PRIMARY KEY (scope, cause),
  CONSTRAINT execution_gates_scope_check CHECK (scope <> '' AND cause <> '' AND reason <> '')
);

-- An operator's override of blocking findings: while a finding's key is here, reports of its
-- source still list it but it closes nothing. The override ends when the finding is no longer found.
CREATE TABLE gate_overrides (
  source        text NOT NULL,
  finding_key   text NOT NULL,
  overridden_at timestamptz NOT NULL DEFAULT now(),
  reason        text NOT NULL,
  actor         text NOT NULL,
  report_id     text,
  CONSTRAINT gate_overrides_pkey PRIMARY KEY (source, finding_key),
  CONSTRAINT gate_overrides_reason_check CHECK (reason <> '')
);

-- Who did what to the gate and the reports, when and why: the CLI records the OS user, the API
-- its client, Steward itself 'steward'.
CREATE TABLE operator_actions (
  id        bigint GENERATED ALWAYS AS IDENTITY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  via       text NOT NULL,
  action    text NOT NULL,
  reason    text,
  report_id text,
  kinds     text[] NOT NULL DEFAULT '{}',
  details   jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT operator_actions_pkey PRIMARY KEY (id),
  CONSTRAINT operator_actions_via_check CHECK (via IN ('cli', 'http', 'steward'))
);
CREATE INDEX operator_actions_at_idx ON operator_actions (at);

-- Reports, Steward's own and imported ones, whole (JSON and Markdown) with the columns lists need.
CREATE TABLE fsar_reports (
  id              text NOT NULL,
  created_at      timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  source          text NOT NULL,
  trigger         text NOT NULL,
  severity        smallint NOT NULL,
  block_execution boolean NOT NULL,
  findings        integer NOT NULL,
  report          jsonb NOT NULL,
  markdown        text NOT NULL,
  acked_at        timestamptz,
  acked_by        text,
  CONSTRAINT fsar_reports_pkey PRIMARY KEY (id),
  CONSTRAINT fsar_reports_id_check CHECK (id LIKE 'fsar\_%'),
  CONSTRAINT fsar_reports_severity_check CHECK (severity BETWEEN 1 AND 10)
);
CREATE INDEX fsar_reports_created_idx ON fsar_reports (created_at);
CREATE INDEX fsar_reports_source_idx ON fsar_reports (source, created_at);

-- Each finding's life across the reports of its source: first and last seen, resolved (by a
-- report that no longer found it, or by an operator) and how long it stayed open.
CREATE TABLE fsar_findings (
  source          text NOT NULL,
  key             text NOT NULL,
  assessor        text NOT NULL,
  code            text NOT NULL,
  severity        smallint NOT NULL,
  blocking        boolean NOT NULL,
  summary         text NOT NULL,
  kinds           text[] NOT NULL DEFAULT '{}',
  evidence        jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'open',
  first_report    text NOT NULL,
  first_seen_at   timestamptz NOT NULL,
  last_report     text NOT NULL,
  last_seen_at    timestamptz NOT NULL,
  times_seen      integer NOT NULL DEFAULT 1,
  reopened        integer NOT NULL DEFAULT 0,
  resolved_at     timestamptz,
  resolved_report text,
  resolved_by     text,
  CONSTRAINT fsar_findings_pkey PRIMARY KEY (source, key),
  CONSTRAINT fsar_findings_status_check CHECK (status IN ('open', 'resolved'))
);

-- The self-improvement loop: each action of a report's proposal, and the task planned for it.
CREATE TABLE fsar_actions (
  report_id    text NOT NULL,
  section      integer NOT NULL,
  action       integer NOT NULL,
  finding_keys text[] NOT NULL,
  task_id      bigint,
  planned_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT fsar_actions_pkey PRIMARY KEY (report_id, section, action),
  CONSTRAINT fsar_actions_report_fkey FOREIGN KEY (report_id) REFERENCES fsar_reports (id) ON DELETE CASCADE
);
CREATE INDEX fsar_actions_task_idx ON fsar_actions (task_id);

-- Database errors seen by Steward's processes, counted by minute, SQLSTATE and message (numbers
-- and literals taken out), written by the workers' maintenance: what the schema assessor reads to
-- tie a burst of 42703 "column does not exist" to the drift that causes it.
CREATE TABLE database_errors (
  bucket    timestamptz NOT NULL,
  sql_state text NOT NULL,
  message   text NOT NULL,
  count     bigint NOT NULL,
  last_at   timestamptz NOT NULL,
  CONSTRAINT database_errors_pkey PRIMARY KEY (bucket, sql_state, message)
);

-- Failed attempts by when they ended, for the errors assessor's fingerprints: a partial index that
-- only failures enter (attempts are written once, so it costs successes nothing).
CREATE INDEX task_attempts_failed_idx ON task_attempts (finished_at)
  WHERE outcome IN ('failed', 'timed_out', 'lease_lost');

-- The claim skips gated kinds as it skips paused ones, and claims nothing while '*' is closed;
-- otherwise as in migration 0009.
DROP FUNCTION steward_claim_tasks(text, integer, text[], integer);
CREATE FUNCTION steward_claim_tasks(p_worker text, p_limit integer, p_kinds text[], p_lease_ms integer)
RETURNS text
LANGUAGE plpgsql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
DECLARE
  paused text[] := ARRAY(SELECT kind FROM task_kind_pauses UNION ALL SELECT scope FROM execution_gates);
  claimed text;
BEGIN
  IF '*' = ANY (paused) THEN
    RETURN NULL;
  END IF;
  WITH updated AS (
    UPDATE execution_tasks t
       SET status = 'running',
           attempts = t.attempts + 1,
           locked_by = p_worker,
           locked_until = now() + p_lease_ms * interval '1 millisecond',
           started_at = now(),
           updated_at = now()
     WHERE t.ctid = ANY (ARRAY(
       SELECT c.ctid FROM execution_tasks c
        WHERE c.waiting_status = 'queued'
          AND c.run_at <= now()
          AND c.kind = ANY (p_kinds)
          AND c.kind <> ALL (paused)
        ORDER BY c.priority_at, c.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED))
    RETURNING t.id, t.kind, t.stage, t.idea_id, t.urgency, t.complexity, t.capabilities, t.payload,
              t.ai_model, t.attempts, t.max_attempts, t.timeout_ms, t.deadline, t.run_at
  ), noted AS (
    INSERT INTO task_claims (worker_id, task_ids)
    SELECT p_worker, array_agg(id) FROM updated HAVING count(*) > 0
    RETURNING id
  )
  SELECT json_build_array(now(), json_agg(json_build_array(
           id, kind, stage, idea_id, urgency, complexity, capabilities, payload, ai_model, attempts,
           max_attempts, timeout_ms, deadline, run_at)), (SELECT id FROM noted))::text
    INTO claimed
    FROM updated
  HAVING count(*) > 0;
  RETURN claimed;
END
$$;
