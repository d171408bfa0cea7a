import type { Queryable } from "../db/database.ts";
import { requireStorableText } from "./storable-text.ts";
import type { AssignmentView, AttemptOutcome, AttemptView, TaskError, TaskStatus, TaskView } from "./task.ts";

export interface TaskFilter {
  status?: TaskStatus[];
  kind?: string[];
  stage?: string;
  ideaId?: number;
  /** Matches the id, kind, stage, model or error message. */
  search?: string;
  /** Newest first; `beforeId` pages back. */
  beforeId?: number;
  limit?: number;
}

const taskColumns = `id, kind, stage, status, idea_id, urgency, complexity, capabilities, payload, result, error, ai_model,
  attempts, max_attempts, timeout_ms, run_at, deadline, created_at, started_at, finished_at, input_tokens,
  output_tokens, cost_usd, idempotency_key, locked_by, locked_until, pending_dependencies, on_dependency_failure,
  pinned_model`;

export async function listTasks(db: Queryable, filter: TaskFilter = {}): Promise<TaskView[]> {
  requireStorableText("The task filter", {
    status: filter.status,
    kind: filter.kind,
    stage: filter.stage,
    search: filter.search,
  });
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.status?.length) where.push(`status = ANY(${bind(filter.status)}::text[])`);
  if (filter.kind?.length) where.push(`kind = ANY(${bind(filter.kind)}::text[])`);
  if (filter.stage) where.push(`stage = ${bind(filter.stage)}`);
  if (filter.ideaId !== undefined) where.push(`idea_id = ${bind(filter.ideaId)}`);
  if (filter.beforeId !== undefined) where.push(`id < ${bind(filter.beforeId)}`);
  if (filter.search) {
    const search = filter.search.trim();
    if (/^\d+$/.test(search)) where.push(`id = ${bind(Number(search))}`);
    else {
      const like = bind(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(
        `(kind ILIKE ${like} OR stage ILIKE ${like} OR ai_model ILIKE ${like} OR error ->> 'message' ILIKE ${like})`,
      );
    }
  }
  const limit = bind(Math.min(Math.max(filter.limit ?? 50, 1), 500));
  const { rows } = await db.query<TaskRow>(
    `SELECT ${taskColumns} FROM execution_tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`,
    params,
  );
  return rows.map(toTaskView);
}

export interface TaskDetail extends TaskView {
  /** The scheduler's latest assignment (kinds that run on a model). */
  assignment: AssignmentView | null;
  attemptHistory: AttemptView[];
  dependsOn: { id: number; status: TaskStatus }[];
  dependents: { id: number; status: TaskStatus }[];
}

export async function getTask(db: Queryable, id: number): Promise<TaskDetail | null> {
  const task = await db.query<TaskRow & { assignment: AssignmentView | null }>(
    `SELECT ${taskColumns}, assignment FROM execution_tasks WHERE id = $1`,
    [id],
  );
  const row = task.rows[0];
  if (row === undefined) return null;
  const attempts = await db.query<AttemptRow>(
    "SELECT * FROM task_attempts WHERE task_id = $1 ORDER BY attempt",
    [id],
  );
  const links = await db.query<{ id: number; status: TaskStatus; direction: "on" | "by" }>(
    `SELECT x.id, x.status, 'on' AS direction FROM task_dependencies d JOIN execution_tasks x ON x.id = d.depends_on WHERE d.task_id = $1
     UNION ALL
     SELECT x.id, x.status, 'by' FROM task_dependencies d JOIN execution_tasks x ON x.id = d.task_id WHERE d.depends_on = $1
     ORDER BY 1`,
    [id],
  );
  const attemptHistory = attempts.rows.map(toAttemptView);
  const running = runningAttempt(row);
  if (running !== null && !attemptHistory.some((a) => a.attempt === running.attempt))
    attemptHistory.push(running);
  return {
    ...toTaskView(row),
    assignment: row.assignment,
    attemptHistory,
    dependsOn: links.rows.filter((l) => l.direction === "on").map(({ id, status }) => ({ id, status })),
    dependents: links.rows.filter((l) => l.direction === "by").map(({ id, status }) => ({ id, status })),
  };
}

/**
 * The attempt a running task is making: it has no task_attempts row until it ends, so it is
 * read from the lease (worker, start) and the task's model and assignment, which the scheduler
 * wrote for this attempt. Its tokens and cost are known only when it ends.
 */
function runningAttempt(row: TaskRow & { assignment: AssignmentView | null }): AttemptView | null {
  if (row.status !== "running" || row.started_at === null) return null;
  return {
    taskId: row.id,
    attempt: row.attempts,
    workerId: row.locked_by ?? "",
    aiModel: row.ai_model,
    outcome: "running",
    queuedAt: row.run_at.toISOString(),
    startedAt: row.started_at.toISOString(),
    finishedAt: null,
    errorClass: null,
    errorMessage: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: "0",
    assignment: row.assignment,
  };
}

export interface QueueDepth {
  kind: string;
  status: TaskStatus;
  count: number;
}

/**
 * Tasks by kind and status; `live` limits it to blocked, queued and running, each read through
 * an index: the partial indexes of queued and blocked tasks (their predicate is waiting_status,
 * migration 0009), and for running tasks the primary key, from the tasks of recorded claims
 * (migration 0008).
 */
export async function queueDepth(db: Queryable, options: { live?: boolean } = {}): Promise<QueueDepth[]> {
  const tasks = options.live
    ? `(SELECT kind, status FROM execution_tasks WHERE waiting_status = 'queued'
        UNION ALL SELECT kind, status FROM execution_tasks WHERE waiting_status = 'blocked'
        UNION ALL SELECT kind, status FROM execution_tasks
                   WHERE id = ANY (ARRAY(SELECT unnest(task_ids) FROM task_claims)) AND status = 'running') live`
    : "execution_tasks";
  const { rows } = await db.query<{ kind: string; status: TaskStatus; count: number }>(
    `SELECT kind, status, count(*)::int AS count FROM ${tasks} GROUP BY kind, status ORDER BY kind, status`,
  );
  return rows;
}

interface TaskRow {
  id: number;
  kind: string;
  stage: string;
  status: TaskStatus;
  idea_id: number | null;
  urgency: number;
  complexity: number;
  capabilities: string[];
  payload: unknown;
  result: unknown;
  error: TaskError | null;
  ai_model: string | null;
  attempts: number;
  max_attempts: number;
  timeout_ms: number | null;
  run_at: Date;
  deadline: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: string;
  idempotency_key: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  pending_dependencies: number;
  on_dependency_failure: "fail" | "cancel";
  pinned_model: string | null;
}

interface AttemptRow {
  task_id: number;
  attempt: number;
  worker_id: string;
  ai_model: string | null;
  outcome: AttemptOutcome;
  queued_at: Date;
  started_at: Date;
  finished_at: Date | null;
  error_class: string | null;
  error_message: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: string;
  assignment: AssignmentView | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function toTaskView(row: TaskRow): TaskView {
  return {
    id: row.id,
    kind: row.kind,
    stage: row.stage,
    status: row.status,
    ideaId: row.idea_id,
    urgency: row.urgency,
    complexity: row.complexity,
    capabilities: row.capabilities,
    payload: row.payload,
    result: row.result,
    error: row.error,
    aiModel: row.ai_model,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    runAt: row.run_at.toISOString(),
    deadline: iso(row.deadline),
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_usd,
    idempotencyKey: row.idempotency_key,
    lockedBy: row.locked_by,
    lockedUntil: iso(row.locked_until),
    pendingDependencies: row.pending_dependencies,
    onDependencyFailure: row.on_dependency_failure,
    pinnedModel: row.pinned_model,
  };
}

function toAttemptView(row: AttemptRow): AttemptView {
  return {
    taskId: row.task_id,
    attempt: row.attempt,
    workerId: row.worker_id,
    aiModel: row.ai_model,
    outcome: row.outcome,
    queuedAt: row.queued_at.toISOString(),
    startedAt: row.started_at.toISOString(),
    finishedAt: iso(row.finished_at),
    errorClass: row.error_class,
    errorMessage: row.error_message,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_usd,
    assignment: row.assignment,
  };
}
