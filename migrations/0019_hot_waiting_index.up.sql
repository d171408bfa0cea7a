-- The index of tasks waiting for a model (migration 0018) named `status` in its predicate, and a
-- column read by any index's predicate makes every update that changes it a non-HOT update: each
-- completion again wrote a new entry in every index of execution_tasks, as before migration 0009
-- (a loop of claims and completions of 1,000 tasks on PGlite: 44.7 against 52.6 µs a task with
-- the predicate below, docs/benchmarks.md). The generated column `waiting_status` is the status
-- while queued or blocked and NULL otherwise, so it selects the same rows and a completion, which
-- changes only `status` among them, leaves it NULL and stays HOT.
DROP INDEX execution_tasks_waiting_for_idx;
CREATE INDEX execution_tasks_waiting_for_idx ON execution_tasks (waiting_for, priority_at, id)
  WHERE waiting_for IS NOT NULL AND waiting_status = 'queued';
