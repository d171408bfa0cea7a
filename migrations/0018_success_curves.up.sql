-- Learned success curves and queue-aware waiting (src/scheduler/success-curve.ts,
-- docs/scheduling.md).
--
-- What the scheduler learns of a model's success: per capability, kind and gap (the model's
-- declared level in the capability minus the task's complexity, rounded, within ±10), how many
-- attempts ended and how many succeeded. An attempt counts once for each capability its task
-- requires ('*' for a task that requires none). Counts add up the same in any order and in any
-- batch: the completion statement adds to them as src/scheduler/success-curve.ts's countOutcome()
-- does, and the scheduler fits its curves to them.
CREATE TABLE model_success_counts (
  model_id   text NOT NULL,
  capability text NOT NULL,
  kind       text NOT NULL,
  gap        smallint NOT NULL,
  attempts   integer NOT NULL DEFAULT 0,
  successes  integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT model_success_counts_pkey PRIMARY KEY (model_id, capability, kind, gap),
  CONSTRAINT model_success_counts_gap_check CHECK (gap BETWEEN -10 AND 10),
  CONSTRAINT model_success_counts_counts_check CHECK (attempts >= 0 AND successes >= 0 AND successes <= attempts)
);

-- The gaps an attempt was judged on when its model was chosen ({"code": -1, "reasoning": 2}):
-- what its outcome is counted under.
ALTER TABLE model_calls ADD COLUMN skill_gaps jsonb;

-- The model a task handed back without one waits for (the scheduler expected waiting for it to
-- cost less than any model free then): each such task lengthens the expected wait of the next,
-- and when an attempt on that model ends, the first of them in the queue's order is due at once.
-- Set when the task is handed back, cleared when it gets a model; read among queued tasks only.
ALTER TABLE execution_tasks ADD COLUMN waiting_for text;
CREATE INDEX execution_tasks_waiting_for_idx ON execution_tasks (waiting_for, priority_at, id)
  WHERE waiting_for IS NOT NULL AND status = 'queued';
