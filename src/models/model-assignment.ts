import type { Database, Queryable } from "../db/database.ts";
import { assignModels } from "../scheduler/assign-models.ts";
import {
  defaultSchedulerConfig,
  priceOfLatenessFor,
  type SchedulerConfig,
} from "../scheduler/scheduler-config.ts";
import type { Assignment, ExclusionKind, ModelState, SchedulerTask } from "../scheduler/scheduler-types.ts";
import { capabilityGaps } from "../scheduler/success-curve.ts";
import { handBackUnassigned } from "../tasks/hand-back-tasks.ts";
import type { AssignmentView, ClaimedTask, ModelWaitCause } from "../tasks/task.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";
import type { ModelRegistry } from "./model-registry.ts";
import { exhaustedIdeas, modelStates, readModelWorld } from "./model-world.ts";

/** What assignment needs from Deps. */
export interface AssignmentDeps {
  db: Database;
  models: ModelRegistry;
  kinds: TaskKindRegistry;
  /** The price of lateness (absent: the defaults). */
  config?: { scheduler?: SchedulerConfig };
}

export interface AssignmentResult {
  /** Tasks that got a model: run them. `task.aiModel` is set to it. */
  assigned: { task: ClaimedTask; assignment: Assignment }[];
  /** Tasks handed back to the queue without using an attempt, and when they are tried again. */
  waiting: { task: ClaimedTask; assignment: Assignment; cause: ModelWaitCause; retryAt: Date }[];
}

/** How long a task that got no model waits before it is claimed again, by the reason. */
const waitMs = { capacity: 1_000, budget: 60_000, unavailable: 30_000 } as const;
/**
 * A task left to wait for one busy model is looked at again when that model is expected to be
 * free, within these bounds: not sooner than a claim is worth, not later than a minute (the
 * estimate may be wrong; the task is judged afresh then).
 */
export const heldRetryBounds = { minMs: 250, maxMs: 60_000 } as const;

/**
 * Assigns models to tasks a worker has just claimed, so that per-model limits hold across every
 * worker on every machine: in one transaction under an advisory lock (one assignment at a time,
 * cluster-wide), it reads each model's state from the database (requests in flight, requests and
 * tokens of the last minute, cooldowns, spend today and this month, what was learned per kind),
 * runs the scheduler (a pure function, src/scheduler/assign-models.ts), records each assignment
 * (the task's ai_model and explanation, a model_calls row that counts toward the limits) and
 * hands back the tasks that got no model, without using up an attempt.
 */
export async function assignClaimedTasks(
  deps: AssignmentDeps,
  workerId: string,
  tasks: ClaimedTask[],
): Promise<AssignmentResult> {
  if (tasks.length === 0) return { assigned: [], waiting: [] };
  return deps.db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('steward:model-assignment'))");
    const world = await readModelWorld(
      tx,
      tasks.map((t) => t.id),
      deps.models.budgeted(),
    );
    // The scheduler's "now" is the database's, as are the times it is compared with: cooldowns,
    // the minute windows of model_calls (stamped by now()), run_at of the tasks handed back (the
    // claim compares it with now()). One clock for every worker on every machine, whatever theirs
    // say; it is also when the stored assignment says it was made, the instant its reasons refer to.
    const now = world.now.getTime();
    const extra = new Map(world.tasks.map((t) => [t.id, t]));
    const pricing = deps.config?.scheduler ?? defaultSchedulerConfig;
    const schedulerTasks = tasks.map((task) =>
      toSchedulerTask(deps.kinds, pricing, task, extra.get(task.id)),
    );
    const models = modelStates(deps.models, world, now);
    const assignments = assignModels({
      tasks: schedulerTasks,
      models,
      now,
      exhaustedIdeas: exhaustedIdeas(deps.models, world),
    });
    const byTask = new Map(assignments.map((a) => [a.taskId, a]));
    const result: AssignmentResult = { assigned: [], waiting: [] };
    for (const task of tasks) {
      const assignment = byTask.get(task.id)!;
      if (assignment.modelId !== null) {
        task.aiModel = assignment.modelId;
        result.assigned.push({ task, assignment });
      } else {
        const cause = waitCause(assignment);
        const held = assignment.waitingFor?.expectedWaitMs;
        const delay =
          held === undefined
            ? waitFor(cause, models, now)
            : Math.min(heldRetryBounds.maxMs, Math.max(heldRetryBounds.minMs, held));
        result.waiting.push({ task, assignment, cause, retryAt: new Date(now + delay) });
      }
    }
    await recordAssignments(tx, workerId, result, schedulerTasks, deps.models, world.now);
    return result;
  });
}

function toSchedulerTask(
  kinds: TaskKindRegistry,
  pricing: SchedulerConfig,
  task: ClaimedTask,
  extra: { pinned_model: string | null; idea_key: string | null } | undefined,
): SchedulerTask {
  const estimate = kinds.get(task.kind)?.model?.estimate(task) ?? { inputTokens: 1_000, outputTokens: 500 };
  return {
    id: task.id,
    kind: task.kind,
    stage: task.stage,
    urgency: task.urgency,
    complexity: task.complexity,
    capabilities: task.capabilities,
    deadline: task.deadline?.getTime() ?? null,
    readyAt: task.readyAt.getTime(),
    attempt: task.attempt,
    estimatedInputTokens: estimate.inputTokens,
    estimatedOutputTokens: estimate.outputTokens,
    maxAttempts: task.maxAttempts,
    pinnedModel: extra?.pinned_model ?? null,
    idea: extra?.idea_key ?? null,
    previousModel: task.attempt > 1 ? task.aiModel : null,
    priceOfLateness: priceOfLatenessFor(pricing, { kind: task.kind, idea: extra?.idea_key ?? null }),
  };
}

/** Exclusions that no load, time or money can lift: only configuration can. */
const unavailableKinds = new Set<ExclusionKind | undefined>([
  "disabled",
  "pinned",
  "capability",
  "complexity",
  "context",
]);

/**
 * Why a task got no model, as a stable cause (the reason's words carry numbers that change every
 * time): decided by the exclusions of the models that could take it at all, so that one model
 * lacking a skill does not hide that the others are cooling down.
 */
export function waitCause(assignment: Assignment): ModelWaitCause {
  const passing = assignment.scores.map((s) => s.excludedKind).filter((k) => !unavailableKinds.has(k));
  if (passing.length === 0) return "unavailable";
  if (passing.every((k) => k === "budget" || k === "idea")) return "budget";
  if (passing.every((k) => k === "cooldown")) return "cooldown";
  if (passing.every((k) => k === "requests" || k === "tokens")) return "rate_limit";
  return "capacity";
}

/** How long a task without a model waits: until a cooldown ends, a minute for budgets, a second for capacity. */
function waitFor(cause: ModelWaitCause, models: ModelState[], now: number): number {
  if (cause === "cooldown") {
    const ends = models.map((m) => m.cooldownUntil ?? 0).filter((t) => t > now);
    if (ends.length > 0) return Math.max(100, Math.min(...ends) - now);
  }
  if (cause === "budget") return waitMs.budget;
  if (cause === "unavailable") return waitMs.unavailable;
  return waitMs.capacity;
}

/** The assignment as stored on the task and its attempt (what `steward task explain` shows). */
export function storedAssignment(assignment: Assignment, at: Date): AssignmentView {
  return {
    at: at.toISOString(),
    model: assignment.modelId,
    reason: assignment.reason,
    ...(assignment.modelId === null ? { cause: waitCause(assignment) } : {}),
    ...(assignment.waitingFor === undefined
      ? {}
      : {
          waitingFor: {
            model: assignment.waitingFor.modelId,
            expectedWaitMs: Math.round(assignment.waitingFor.expectedWaitMs),
          },
        }),
    scores: assignment.scores,
  };
}

async function recordAssignments(
  tx: Queryable,
  workerId: string,
  result: AssignmentResult,
  schedulerTasks: SchedulerTask[],
  registry: ModelRegistry,
  at: Date,
): Promise<void> {
  const byId = new Map(schedulerTasks.map((t) => [t.id, t]));
  const tokens = (id: number) => {
    const t = byId.get(id);
    return t === undefined ? 0 : t.estimatedInputTokens + t.estimatedOutputTokens;
  };
  // The gaps its outcome will be counted under: the chosen model's declared levels against the task.
  const skillGaps = (id: number, modelId: string) => {
    const t = byId.get(id);
    if (t === undefined) return null;
    const levels = registry.get(modelId)!.config.capabilities;
    return Object.fromEntries(capabilityGaps(levels, t).map((g) => [g.capability, g.gap]));
  };
  if (result.assigned.length > 0) {
    await tx.query(assignSql, [
      JSON.stringify(
        result.assigned.map(({ task, assignment }) => ({
          id: task.id,
          attempt: task.attempt,
          model_id: assignment.modelId,
          provider: registry.get(assignment.modelId!)!.provider.id,
          kind: task.kind,
          idea_id: task.ideaId,
          estimated_tokens: tokens(task.id),
          skill_gaps: skillGaps(task.id, assignment.modelId!),
          // What the scheduler expected of the chosen model: learning is calibrated against it.
          prior_success: chosen(assignment)?.priorSuccess ?? null,
          prior_duration_ms: chosen(assignment)?.priorDurationMs ?? null,
          assignment: storedAssignment(assignment, at),
        })),
      ),
      workerId,
    ]);
  }
  await handBackUnassigned(
    tx,
    workerId,
    result.waiting.map(({ task, assignment, retryAt }) => ({
      id: task.id,
      attempt: task.attempt,
      runAt: retryAt,
      assignment: storedAssignment(assignment, at),
    })),
  );
}

function chosen(assignment: Assignment) {
  return assignment.scores.find((s) => s.modelId === assignment.modelId)?.estimates;
}

// A call starts when it is assigned, after the advisory lock was waited for: clock_timestamp(),
// not now() (the transaction's start, before the wait). Stamped with now(), a call assigned after
// another's end could appear to begin before it, overlapping it (seen on PostgreSQL with three
// pools sharing a model of concurrency 2: a measured overlap of 4 in 1 run of 3).
const assignSql = `
WITH a AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(id bigint, attempt integer, model_id text, provider text,
    kind text, idea_id bigint, estimated_tokens bigint, prior_success float8, prior_duration_ms float8,
    skill_gaps jsonb, assignment jsonb)
), updated AS (
  UPDATE execution_tasks t SET ai_model = a.model_id, assignment = a.assignment, waiting_for = NULL
    FROM a WHERE t.id = a.id AND t.attempts = a.attempt AND t.locked_by = $2 AND t.status = 'running'
  RETURNING t.id
)
INSERT INTO model_calls (task_id, attempt, model_id, provider, kind, idea_id, estimated_tokens,
                         prior_success, prior_duration_ms, skill_gaps, started_at)
SELECT a.id, a.attempt, a.model_id, a.provider, a.kind, a.idea_id, a.estimated_tokens,
       a.prior_success, a.prior_duration_ms, a.skill_gaps, clock_timestamp()
  FROM a JOIN updated u ON u.id = a.id
ON CONFLICT (task_id, attempt) DO UPDATE
  SET model_id = EXCLUDED.model_id, provider = EXCLUDED.provider, started_at = EXCLUDED.started_at,
      estimated_tokens = EXCLUDED.estimated_tokens, prior_success = EXCLUDED.prior_success,
      prior_duration_ms = EXCLUDED.prior_duration_ms, skill_gaps = EXCLUDED.skill_gaps`;

/**
 * After a 429 or a server error: no worker sends this model a new request before `until`.
 * A later cooldown is never shortened by an earlier one.
 */
export async function startCooldown(
  db: Queryable,
  modelId: string,
  until: Date,
  reason: string,
): Promise<void> {
  await db.query(
    `INSERT INTO model_runtime (model_id, cooldown_until, cooldown_reason) VALUES ($1, $2, $3)
     ON CONFLICT (model_id) DO UPDATE
       SET cooldown_until = GREATEST(model_runtime.cooldown_until, EXCLUDED.cooldown_until),
           cooldown_reason = CASE WHEN EXCLUDED.cooldown_until >= COALESCE(model_runtime.cooldown_until, '-infinity')
                                  THEN EXCLUDED.cooldown_reason ELSE model_runtime.cooldown_reason END,
           updated_at = now()`,
    [modelId, until.toISOString(), reason],
  );
}
