import type { Clock } from "../clock.ts";
import type { Database, Queryable } from "../db/database.ts";
import { prepared } from "../db/prepared-statements.ts";
import {
  type Conflict,
  idempotencyConflict,
  requestDifferences,
  type StoredRequest,
  tasksByKey,
} from "./idempotency.ts";
import type { ModelCatalog } from "./model-catalog.ts";
import type { TaskStatus } from "./task.ts";
import type { TaskConfig } from "./task-config.ts";
import { invalidTasks, type NewTask, type Problem, validateTaskInputs } from "./task-input.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";
import { tasksReadyChannel } from "./task-notifications.ts";

export interface EnqueuedTask {
  /** Position in the request. */
  index: number;
  id: number;
  ref?: string;
  status: TaskStatus;
  /**
   * False when an idempotency key matched a task that the same request added before: that task
   * is returned. The key under a different request is refused (see idempotency.ts).
   */
  created: boolean;
}

/** What enqueueing needs: the database, the tasks section, the kinds and models tasks are checked against. */
export interface EnqueueDeps {
  db: Database;
  config: { tasks: TaskConfig };
  kinds: TaskKindRegistry;
  clock: Clock;
  models: ModelCatalog;
}

/**
 * Adds one task or many, all or nothing, in one transaction: a request with any problem is
 * refused whole with every problem named. Tasks whose dependencies are unfinished start
 * `blocked`; a task whose dependency already failed or was cancelled starts failed or
 * cancelled, by its `onDependencyFailure` policy. Idle workers are woken at commit.
 */
export async function enqueueTasks(deps: EnqueueDeps, inputs: unknown[]): Promise<EnqueuedTask[]> {
  if (inputs.length === 0) return [];
  const now = deps.clock.now();
  const tasks = validateTaskInputs(inputs, deps.kinds, deps.config.tasks, now, deps.models);
  const prefix = (t: NewTask) => (inputs.length === 1 ? "" : `tasks[${t.index}].`);

  if (tasks.every((t) => t.dependsOnIds.length === 0 && t.dependsOnRefs.length === 0 && t.ideaId === null)) {
    // A key may turn out to be held by a different request only after the insert: the rest of
    // a request of several must then be undone. One task alone is one statement either way.
    const undoable = tasks.length > 1 && tasks.some((t) => t.idempotencyKey !== null);
    return undoable
      ? deps.db.transaction((tx) => enqueueIndependent(tx, deps, tasks, now))
      : enqueueIndependent(deps.db, deps, tasks, now);
  }
  return deps.db.transaction(async (tx) => {
    const problems: Problem[] = [];
    // Existing dependencies: locked, and marked as having dependents, in one statement. The lock
    // makes a concurrent completion of one of them wait for this transaction (see complete-tasks.ts).
    const dependencyIds = [...new Set(tasks.flatMap((t) => t.dependsOnIds))];
    const existing = new Map<number, TaskStatus>();
    if (dependencyIds.length > 0) {
      const { rows } = await tx.query<{ id: number; status: TaskStatus }>(
        "UPDATE execution_tasks SET has_dependents = true WHERE id = ANY($1::bigint[]) RETURNING id, status",
        [dependencyIds],
      );
      for (const row of rows) existing.set(row.id, row.status);
      for (const task of tasks) {
        const missing = task.dependsOnIds.filter((id) => !existing.has(id));
        if (missing.length)
          problems.push({
            path: `${prefix(task)}dependsOn`,
            message: `no task with id ${missing.join(", ")}`,
          });
      }
    }
    const ideaIds = [...new Set(tasks.map((t) => t.ideaId).filter((id): id is number => id !== null))];
    if (ideaIds.length > 0) {
      const { rows } = await tx.query<{ id: number }>("SELECT id FROM ideas WHERE id = ANY($1::bigint[])", [
        ideaIds,
      ]);
      const found = new Set(rows.map((r) => r.id));
      for (const task of tasks) {
        if (task.ideaId !== null && !found.has(task.ideaId))
          problems.push({ path: `${prefix(task)}ideaId`, message: `no idea with id ${task.ideaId}` });
      }
    }
    if (problems.length) throw invalidTasks(problems, inputs.length);

    // Tasks that already exist under their idempotency key are returned, not added again,
    // when this is the request that added them.
    const keys = tasks.map((t) => t.idempotencyKey).filter((k): k is string => k !== null);
    const byKey = keys.length > 0 ? await tasksByKey(tx, keys) : new Map<string, StoredRequest>();

    const ids = await allocateIds(tx, tasks.length);
    const planned = planStatuses(tasks, ids, existing, byKey);
    const conflicts = keyConflicts(planned, byKey);
    if (conflicts.length > 0) throw idempotencyConflict(conflicts, inputs.length);
    const fresh = planned.filter((p) => p.created);
    const step = deps.config.tasks.urgencyStepSeconds * 1000;
    const results =
      fresh.length === 0
        ? []
        : await insertTasks(
            tx,
            fresh.map(({ task, id, status, pending, error, hasDependents }) => ({
              id,
              ...taskRecord(task, step, now, { status, pending, error, hasDependents }),
            })),
            now,
          );
    // A concurrent request may have taken an idempotency key since we looked: return its task.
    const raced = fresh.filter((_, i) => !results[i]!.created);
    if (raced.length > 0) {
      const found = await tasksByKey(
        tx,
        raced.map((p) => p.task.idempotencyKey!),
      );
      for (const p of raced) {
        const row = found.get(p.task.idempotencyKey!)!;
        p.id = row.id;
        p.status = row.status;
        p.created = false;
      }
      const late = keyConflicts(raced, found, planned);
      if (late.length > 0) throw idempotencyConflict(late, inputs.length);
    }

    const edges = planned
      .filter((p) => p.created)
      .flatMap((p) => p.dependsOn.map((on) => [p.id, on] as const));
    if (edges.length > 0) {
      await tx.query(
        "INSERT INTO task_dependencies (task_id, depends_on) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
        [edges.map((e) => e[0]), edges.map((e) => e[1])],
      );
    }
    return planned.map((p) => ({
      index: p.task.index,
      id: p.id,
      ref: p.task.ref,
      status: p.status,
      created: p.created,
    }));
  });
}

/**
 * The common case, tasks without dependencies or ideas, in one statement (atomic by itself):
 * ids, insert and wakeup together. A single enqueue took five round trips through the general
 * path (BEGIN, nextval, INSERT, NOTIFY, COMMIT), which showed in the pickup latency's tail.
 */
async function enqueueIndependent(
  db: Queryable,
  deps: EnqueueDeps,
  tasks: NewTask[],
  now: Date,
): Promise<EnqueuedTask[]> {
  const step = deps.config.tasks.urgencyStepSeconds * 1000;
  const plan = { status: "queued" as const, pending: 0, error: null, hasDependents: false };
  const results = await insertTasks(
    db,
    tasks.map((task) => taskRecord(task, step, now, plan)),
    now,
  );
  const out = tasks.map(
    (task, i): EnqueuedTask => ({
      index: task.index,
      id: results[i]!.id,
      ref: task.ref,
      status: "queued",
      created: results[i]!.created,
    }),
  );
  // Idempotency keys that were taken: return the tasks that hold them.
  const taken = out.filter((o) => !o.created);
  if (taken.length > 0) {
    const found = await tasksByKey(
      db,
      taken.map((o) => tasks[o.index]!.idempotencyKey!),
    );
    const conflicts: Conflict[] = [];
    for (const o of taken) {
      const task = tasks[o.index]!;
      const row = found.get(task.idempotencyKey!)!;
      o.id = row.id;
      o.status = row.status;
      const differences = requestDifferences(task, row, { ids: [], added: 0 });
      if (differences.length > 0) conflicts.push({ task, stored: row, differences });
    }
    if (conflicts.length > 0) throw idempotencyConflict(conflicts, tasks.length);
  }
  return out;
}

/**
 * Tasks of `among` found under their key whose request differs from the one that added them.
 * A ref to another task of the request resolves to that task's id when it, too, already
 * existed; a ref to a task added now only counts (see requestDifferences).
 */
function keyConflicts(
  among: PlannedTask[],
  byKey: Map<string, StoredRequest>,
  all: PlannedTask[] = among,
): Conflict[] {
  const byRef = new Map(all.filter((p) => p.task.ref !== undefined).map((p) => [p.task.ref!, p]));
  const conflicts: Conflict[] = [];
  for (const p of among) {
    if (p.created || p.task.idempotencyKey === null) continue;
    const stored = byKey.get(p.task.idempotencyKey)!;
    const ids = [...p.task.dependsOnIds];
    let added = 0;
    for (const ref of p.task.dependsOnRefs) {
      const other = byRef.get(ref)!;
      if (other.created) added++;
      else ids.push(other.id);
    }
    const differences = requestDifferences(p.task, stored, { ids, added });
    if (differences.length > 0) conflicts.push({ task: p.task, stored, differences });
  }
  return conflicts;
}

/**
 * Inserts tasks in one statement, with the wakeup of idle workers when any of them is queued
 * (NOTIFY is delivered at commit). A record without an id gets the sequence's next; ids given
 * in advance let tasks of one request name each other. A task whose idempotency key is taken
 * is not inserted: `created` is false for it. Results are in the order of `records`.
 * `created_at` and `updated_at` are `now`, the clock `run_at` comes from, so that the delay a
 * task was asked for is `run_at - created_at` and an untouched task has `updated_at = created_at`
 * (idempotency.ts compares both).
 */
async function insertTasks(
  db: Queryable,
  records: (TaskRecord & { id?: number })[],
  now: Date,
): Promise<{ id: number; created: boolean }[]> {
  const { rows } = await db.query<{ results: string }>(insertTasksSql, [
    JSON.stringify(records.map((record, ord) => ({ ord, ...record }))),
    tasksReadyChannel,
    now.toISOString(),
  ]);
  return JSON.parse(rows[0]!.results);
}

const insertTasksSql = prepared(
  "steward_insert_tasks",
  `
WITH input AS MATERIALIZED (
  SELECT COALESCE(t.id, nextval(pg_get_serial_sequence('execution_tasks', 'id'))) AS task_id, t.*
    FROM jsonb_to_recordset($1::jsonb) AS t(
      ord bigint, id bigint, kind text, stage text, status text, idea_id bigint, urgency smallint,
      complexity smallint, capabilities text[], payload jsonb, error jsonb, max_attempts integer,
      timeout_ms integer, run_at timestamptz, priority_at timestamptz, deadline timestamptz,
      idempotency_key text, pending_dependencies integer, on_dependency_failure text,
      has_dependents boolean, finished_at timestamptz, pinned_model text)
), inserted AS (
  INSERT INTO execution_tasks (
    id, kind, stage, status, idea_id, urgency, complexity, capabilities, payload, error, max_attempts,
    timeout_ms, run_at, priority_at, deadline, idempotency_key, pending_dependencies,
    on_dependency_failure, has_dependents, finished_at, pinned_model, created_at, updated_at
  ) OVERRIDING SYSTEM VALUE
  SELECT task_id, kind, stage, status, idea_id, urgency, complexity, capabilities, payload, error, max_attempts,
         timeout_ms, run_at, priority_at, deadline, idempotency_key, pending_dependencies,
         on_dependency_failure, has_dependents, finished_at, pinned_model, $3::timestamptz, $3::timestamptz
    FROM input
  ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id, status
), woken AS (
  SELECT pg_notify($2, '') FROM (SELECT 1 FROM inserted WHERE status = 'queued' LIMIT 1) x
)
SELECT json_agg(json_build_object('id', i.task_id, 'created', ins.id IS NOT NULL) ORDER BY i.ord)::text AS results,
       (SELECT count(*) FROM woken) AS woken
  FROM input i LEFT JOIN inserted ins ON ins.id = i.task_id`,
);

type TaskRecord = ReturnType<typeof taskRecord>;

/** A task as the insert statement reads it (jsonb_to_recordset). */
function taskRecord(
  task: NewTask,
  step: number,
  now: Date,
  plan: {
    status: TaskStatus;
    pending: number;
    error: { class: string; message: string } | null;
    hasDependents: boolean;
  },
) {
  return {
    kind: task.kind,
    stage: task.stage,
    status: plan.status,
    idea_id: task.ideaId,
    urgency: task.urgency,
    complexity: task.complexity,
    capabilities: task.capabilities,
    payload: task.payload,
    error: plan.error,
    max_attempts: task.maxAttempts,
    timeout_ms: task.timeoutMs,
    run_at: task.runAt.toISOString(),
    priority_at: new Date(task.runAt.getTime() - task.urgency * step).toISOString(),
    deadline: task.deadline?.toISOString() ?? null,
    idempotency_key: task.idempotencyKey,
    pending_dependencies: plan.pending,
    on_dependency_failure: task.onDependencyFailure,
    has_dependents: plan.hasDependents,
    finished_at: plan.status === "failed" || plan.status === "cancelled" ? now.toISOString() : null,
    pinned_model: task.pinnedModel,
  };
}

/** Ids are taken from the sequence first, so that tasks of one request can name each other. */
async function allocateIds(tx: Queryable, count: number): Promise<number[]> {
  const { rows } = await tx.query<{ id: number }>(
    "SELECT nextval(pg_get_serial_sequence('execution_tasks', 'id')) AS id FROM generate_series(1, $1::int)",
    [count],
  );
  return rows.map((r) => r.id);
}

interface PlannedTask {
  task: NewTask;
  id: number;
  created: boolean;
  status: TaskStatus;
  pending: number;
  error: { class: string; message: string } | null;
  dependsOn: number[];
  hasDependents: boolean;
}

/** Decides each task's first status from its dependencies, in dependency order. */
function planStatuses(
  tasks: NewTask[],
  ids: number[],
  existing: Map<number, TaskStatus>,
  byKey: Map<string, StoredRequest>,
): PlannedTask[] {
  const planned = tasks.map((task, i): PlannedTask => {
    const known = task.idempotencyKey === null ? undefined : byKey.get(task.idempotencyKey);
    return {
      task,
      id: known?.id ?? ids[i]!,
      created: known === undefined,
      status: known?.status ?? "queued",
      pending: 0,
      error: null,
      dependsOn: [],
      hasDependents: false,
    };
  });
  const byRef = new Map(planned.filter((p) => p.task.ref !== undefined).map((p) => [p.task.ref!, p]));
  const decided = new Set<PlannedTask>();
  const decide = (p: PlannedTask): void => {
    if (decided.has(p)) return;
    decided.add(p);
    if (!p.created) return;
    const statuses: { id: number; status: TaskStatus }[] = p.task.dependsOnIds.map((id) => ({
      id,
      status: existing.get(id)!,
    }));
    for (const ref of p.task.dependsOnRefs) {
      const other = byRef.get(ref)!;
      decide(other);
      other.hasDependents = true;
      statuses.push({ id: other.id, status: other.status });
    }
    p.dependsOn = [...new Set(statuses.map((s) => s.id))];
    const dead = statuses.find((s) => s.status === "failed" || s.status === "cancelled");
    if (dead) {
      p.status = p.task.onDependencyFailure === "cancel" ? "cancelled" : "failed";
      p.error = { class: "DependencyFailed", message: `dependency ${dead.id} is ${dead.status}` };
      return;
    }
    p.pending = new Set(statuses.filter((s) => s.status !== "succeeded").map((s) => s.id)).size;
    p.status = p.pending > 0 ? "blocked" : "queued";
  };
  for (const p of planned) decide(p);
  return planned;
}
