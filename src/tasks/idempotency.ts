import type { Queryable } from "../db/database.ts";
import { prepared } from "../db/prepared-statements.ts";
import { StewardError } from "../errors.ts";
import type { TaskStatus } from "./task.ts";
import type { NewTask, Problem } from "./task-input.ts";

/**
 * An idempotency key names one request: sent again, the same request gets the task it created;
 * a different request under a taken key is refused (409 `idempotency_conflict`), naming the
 * fields that differ, as Stripe does. "The same request" is compared on the task as stored,
 * after defaults are applied:
 * - always: kind, stage, payload (as JSON: key order does not matter), urgency, complexity,
 *   capabilities and dependsOn (as sets), deadline (as an instant), timeoutMs, ideaId, model,
 *   onDependencyFailure;
 * - while the task is as it was added (never claimed, retried, released or unblocked, so that
 *   `updated_at` is still its `created_at`): maxAttempts, and when it may start. After that the
 *   engine has moved `run_at` (backoff, a lease handed back) and a retry by hand raises
 *   `max_attempts`, so they no longer say what was asked;
 * - `delayMs` is relative to each request's arrival: a retry that repeats `delayMs: 60000` a
 *   minute later asks for the same delay, not the same instant, so the delay is compared with
 *   the stored task's `run_at - created_at`; `runAt` is compared as an instant.
 */

/** What the lookup of taken keys returns: the stored task's request fields. */
export interface StoredRequest {
  id: number;
  status: TaskStatus;
  idempotency_key: string;
  kind: string;
  stage: string;
  idea_id: number | null;
  urgency: number;
  complexity: number;
  capabilities: string[];
  payload: unknown;
  deadline: Date | null;
  run_at: Date;
  delay_ms: number;
  max_attempts: number;
  timeout_ms: number | null;
  on_dependency_failure: "fail" | "cancel";
  pinned_model: string | null;
  untouched: boolean;
  depends_on: (number | string)[];
}

/** The tasks holding these keys, with what each was asked to be. One statement. */
export async function tasksByKey(db: Queryable, keys: string[]): Promise<Map<string, StoredRequest>> {
  const { rows } = await db.query<StoredRequest>(tasksByKeySql, [keys]);
  return new Map(rows.map((r) => [r.idempotency_key, r]));
}

// Prepared: a client retrying its requests sends this on every retry.
const tasksByKeySql = prepared(
  "steward_tasks_by_key",
  `SELECT t.id, t.status, t.idempotency_key, t.kind, t.stage, t.idea_id, t.urgency, t.complexity,
            t.capabilities, t.payload, t.deadline, t.run_at, t.max_attempts, t.timeout_ms,
            t.on_dependency_failure, t.pinned_model,
            round(extract(epoch FROM t.run_at - t.created_at) * 1000)::float8 AS delay_ms,
            t.updated_at = t.created_at AS untouched,
            ARRAY(SELECT d.depends_on FROM task_dependencies d WHERE d.task_id = t.id) AS depends_on
     FROM execution_tasks t WHERE t.idempotency_key = ANY($1::text[])`,
);

export interface Difference {
  field: string;
  /** The stored task's value and this request's, for fields short enough to show. */
  task?: unknown;
  request?: unknown;
  /** For the payload: the first place where the two differ. */
  at?: string;
}

/**
 * How this request differs from the one that added `stored` (empty: the same request).
 * `dependsOn` is what the request's dependencies resolve to: ids of existing tasks (named by id,
 * or by the ref of a task of this request that already existed under its key), and how many
 * name tasks this request adds anew (those cannot be told apart from the original's, so they
 * only count).
 */
export function requestDifferences(
  task: NewTask,
  stored: StoredRequest,
  dependsOn: { ids: number[]; added: number },
): Difference[] {
  const differences: Difference[] = [];
  const compare = (field: string, request: unknown, held: unknown) => {
    if (request !== held) differences.push({ field, task: held, request });
  };
  compare("kind", task.kind, stored.kind);
  compare("stage", task.stage, stored.stage);
  const at = firstDifference(task.payload, stored.payload, "payload");
  if (at !== null) differences.push({ field: "payload", at });
  compare("urgency", task.urgency, stored.urgency);
  compare("complexity", task.complexity, stored.complexity);
  if (!sameSet(task.capabilities, stored.capabilities))
    differences.push({ field: "capabilities", task: stored.capabilities, request: task.capabilities });
  compare("deadline", iso(task.deadline), iso(stored.deadline));
  compare("timeoutMs", task.timeoutMs, stored.timeout_ms);
  compare("ideaId", task.ideaId, stored.idea_id);
  compare("model", task.pinnedModel, stored.pinned_model);
  compare("onDependencyFailure", task.onDependencyFailure, stored.on_dependency_failure);
  const held = stored.depends_on.map(Number);
  const named = new Set(dependsOn.ids);
  if ([...named].some((id) => !held.includes(id)) || held.length !== named.size + dependsOn.added)
    differences.push({
      field: "dependsOn",
      task: held.sort((a, b) => a - b),
      request: [...named].sort((a, b) => a - b),
    });
  if (stored.untouched) {
    compare("maxAttempts", task.maxAttempts, stored.max_attempts);
    if (task.delayMs !== null) compare("delayMs", task.delayMs, stored.delay_ms);
    else compare("runAt", task.runAt.toISOString(), stored.run_at.toISOString());
  }
  return differences;
}

export interface Conflict {
  task: NewTask;
  stored: StoredRequest;
  differences: Difference[];
}

/** One refusal for every conflict of the request: nothing of it is added. */
export function idempotencyConflict(conflicts: Conflict[], count: number): StewardError {
  const place = (c: Conflict) => (count === 1 ? "" : `tasks[${c.task.index}]`);
  const problems: Problem[] = conflicts.map((c) => ({
    path: `${place(c) ? `${place(c)}.` : ""}idempotencyKey`,
    message: `"${c.task.idempotencyKey}" already belongs to task ${c.stored.id}, added by a different request: ${c.differences.map(describe).join(", ")} differ${c.differences.length === 1 ? "s" : ""}. Send the same request to get task ${c.stored.id}, or use another key`,
  }));
  const head =
    count === 1
      ? "The task was refused"
      : `The request of ${count} tasks was refused whole; nothing was added`;
  return new StewardError(
    "idempotency_conflict",
    `${head}:\n  - ${problems.map((p) => `${p.path}: ${p.message}`).join("\n  - ")}`,
    {
      details: {
        problems,
        conflicts: conflicts.map((c) => ({
          path: place(c) || "task",
          index: c.task.index,
          idempotencyKey: c.task.idempotencyKey,
          taskId: c.stored.id,
          differences: c.differences,
        })),
      },
    },
  );
}

function describe(difference: Difference): string {
  if (difference.at !== undefined) return `${difference.field} (at ${difference.at})`;
  const show = (value: unknown) => {
    const text = JSON.stringify(value) ?? "none";
    return text.length > 60 ? `${text.slice(0, 60)}…` : text;
  };
  return `${difference.field} (task: ${show(difference.task)}, this request: ${show(difference.request)})`;
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

/**
 * Where two JSON values first differ (null: they are equal), comparing objects by their keys
 * whatever the order, as jsonb does. A request's payload is at most maxJsonDepth deep, and the
 * walk stops at the first difference, so the recursion is bounded.
 */
function firstDifference(request: unknown, held: unknown, path: string): string | null {
  if (request === held) return null;
  if (typeof request !== "object" || typeof held !== "object" || request === null || held === null)
    return path;
  if (Array.isArray(request) !== Array.isArray(held)) return path;
  if (Array.isArray(request) && Array.isArray(held)) {
    if (request.length !== held.length) return path;
    for (let i = 0; i < request.length; i++) {
      const found = firstDifference(request[i], held[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  const left = request as Record<string, unknown>;
  const right = held as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return path;
  for (const key of keys) {
    if (!Object.hasOwn(right, key)) return path;
    const found = firstDifference(left[key], right[key], `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
