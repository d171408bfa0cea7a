import { z } from "zod";
import { StewardError } from "../errors.ts";
import type { ModelCatalog } from "./model-catalog.ts";
import { unknownKindMessage } from "./require-kinds.ts";
import { jsonValueProblems, textProblem } from "./storable-text.ts";
import type { TaskConfig } from "./task-config.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";

/**
 * What a caller may say about a new task. Field names are the API's (camelCase); every field
 * but `kind` is optional. `dependsOn` names existing tasks by id, or tasks of the same request
 * by their `ref`.
 */
export const taskInputSchema = z.strictObject({
  kind: z.string().min(1).max(64),
  ref: z.string().min(1).max(100).optional(),
  stage: z.string().min(1).max(100).optional(),
  ideaId: z.number().int().positive().optional(),
  urgency: z.number().int().min(0).max(10).default(5),
  complexity: z.number().int().min(0).max(10).default(5),
  capabilities: z.array(z.string().min(1).max(64)).max(32).default([]),
  payload: z.unknown().default({}),
  deadline: z.iso.datetime({ offset: true }).optional(),
  runAt: z.iso.datetime({ offset: true }).optional(),
  delayMs: z.number().int().min(0).max(31_536_000_000).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  timeoutMs: z.number().int().min(0).max(86_400_000).optional(),
  idempotencyKey: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
  dependsOn: z
    .array(z.union([z.number().int().positive(), z.string().min(1).max(100)]))
    .max(1_000)
    .default([]),
  onDependencyFailure: z.enum(["fail", "cancel"]).default("fail"),
  /** For kinds that run on a model: run on this model only (its id), instead of the scheduler's choice. */
  model: z.string().min(1).max(100).optional(),
});

export type TaskInput = z.input<typeof taskInputSchema>;

/** A validated task, with every default applied, ready to insert. */
export interface NewTask {
  index: number;
  ref: string | undefined;
  kind: string;
  stage: string;
  ideaId: number | null;
  urgency: number;
  complexity: number;
  capabilities: string[];
  payload: unknown;
  deadline: Date | null;
  runAt: Date;
  /** The delay asked for instead of a `runAt` (0 when neither was given); null with a `runAt`. */
  delayMs: number | null;
  maxAttempts: number;
  timeoutMs: number | null;
  idempotencyKey: string | null;
  dependsOnIds: number[];
  dependsOnRefs: string[];
  onDependencyFailure: "fail" | "cancel";
  pinnedModel: string | null;
}

export interface Problem {
  path: string;
  message: string;
}

/**
 * Validates a request of one or many tasks. Every problem of every task is collected and
 * reported at once, with its path (`tasks[3].payload.ms`); a request with any problem is
 * refused whole.
 */
export function validateTaskInputs(
  inputs: unknown[],
  kinds: TaskKindRegistry,
  config: TaskConfig,
  now: Date,
  models: ModelCatalog,
): NewTask[] {
  const problems: Problem[] = [];
  const tasks: NewTask[] = [];
  const prefix = (i: number) => (inputs.length === 1 ? "" : `tasks[${i}].`);
  inputs.forEach((raw, index) => {
    // First, so that no later step (SQL, JSON.stringify, a kind's schema) meets such a value.
    const unstorable = unstorableFields(raw, prefix(index));
    const parsed = taskInputSchema.safeParse(raw);
    if (unstorable.length > 0 || !parsed.success) {
      problems.push(...unstorable);
      const reported = (path: string) =>
        unstorable.some(
          (u) => path === u.path || path.startsWith(`${u.path}.`) || path.startsWith(`${u.path}[`),
        );
      for (const issue of parsed.error?.issues ?? []) {
        const problem = describeIssue(issue, prefix(index));
        if (!reported(problem.path)) problems.push(problem);
      }
      return;
    }
    const input = parsed.data;
    const kind = kinds.get(input.kind);
    if (kind === undefined) {
      problems.push({
        path: `${prefix(index)}kind`,
        message: unknownKindMessage(input.kind, kinds),
      });
      return;
    }
    if (kind.payload) {
      const payload = kind.payload.safeParse(input.payload);
      if (!payload.success) {
        for (const issue of payload.error.issues)
          problems.push(describeIssue(issue, `${prefix(index)}payload.`));
      }
    }
    problems.push(...checkModelUse(input, kind.model !== undefined, models, prefix(index)));
    const payloadBytes = Buffer.byteLength(JSON.stringify(input.payload ?? null));
    if (payloadBytes > config.maxPayloadBytes) {
      problems.push({
        path: `${prefix(index)}payload`,
        message: `is ${payloadBytes} bytes of JSON; at most ${config.maxPayloadBytes} are allowed`,
      });
    }
    if (input.runAt !== undefined && input.delayMs !== undefined) {
      problems.push({ path: `${prefix(index)}runAt`, message: "give runAt or delayMs, not both" });
    }
    const runAt =
      input.runAt !== undefined ? new Date(input.runAt) : new Date(now.getTime() + (input.delayMs ?? 0));
    tasks.push({
      index,
      ref: input.ref,
      kind: input.kind,
      stage: input.stage ?? kind.defaults?.stage ?? input.kind,
      ideaId: input.ideaId ?? null,
      urgency: input.urgency,
      complexity: input.complexity,
      capabilities: input.capabilities,
      payload: input.payload ?? {},
      deadline: input.deadline === undefined ? null : new Date(input.deadline),
      runAt,
      delayMs: input.runAt !== undefined ? null : (input.delayMs ?? 0),
      maxAttempts: input.maxAttempts ?? kind.defaults?.maxAttempts ?? config.defaultMaxAttempts,
      timeoutMs: nullIfZero(input.timeoutMs ?? kind.defaults?.timeoutMs ?? config.defaultTimeoutMs),
      idempotencyKey: input.idempotencyKey ?? null,
      dependsOnIds: input.dependsOn.filter((d): d is number => typeof d === "number"),
      dependsOnRefs: input.dependsOn.filter((d): d is string => typeof d === "string"),
      onDependencyFailure: input.onDependencyFailure,
      pinnedModel: input.model ?? null,
    });
  });
  problems.push(...checkReferences(tasks, prefix));
  if (problems.length > 0) throw invalidTasks(problems, inputs.length);
  return tasks;
}

/** Fields PostgreSQL could not store (see storable-text.ts), each payload's depth counted from the payload. */
function unstorableFields(raw: unknown, prefix: string): Problem[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  const problems: Problem[] = [];
  for (const [field, value] of Object.entries(raw)) {
    const name = textProblem(field);
    if (name !== null)
      problems.push({
        path: prefix.replace(/\.$/, "") || "task",
        message: `the field name ${JSON.stringify(field)} ${name}`,
      });
    else problems.push(...jsonValueProblems(value, `${prefix}${field}`));
  }
  return problems;
}

/**
 * A task of a kind that runs on a model must be runnable by some enabled model: a pinned model
 * must exist and be enabled, and every required capability must be offered (level ≥ 1) by at
 * least one enabled model. Refusals list the models and what they can do.
 */
function checkModelUse(
  input: z.output<typeof taskInputSchema>,
  usesModel: boolean,
  models: ModelCatalog,
  prefix: string,
): Problem[] {
  if (!usesModel) {
    return input.model === undefined
      ? []
      : [
          {
            path: `${prefix}model`,
            message: `kind "${input.kind}" does not run on a model; leave model out`,
          },
        ];
  }
  const enabled = models.enabled();
  const listing = () =>
    enabled.length === 0
      ? "no model is enabled (configure models in steward.config.json; see README)"
      : `models: ${enabled.map((m) => `${m.config.id} (${describeCapabilities(m.config.capabilities)})`).join("; ")}`;
  if (input.model !== undefined) {
    const pinned = models.get(input.model);
    if (pinned === undefined || !pinned.config.enabled)
      return [
        {
          path: `${prefix}model`,
          message: `${pinned === undefined ? "no model" : "disabled model"} "${input.model}"; ${listing()}`,
        },
      ];
  }
  const candidates = input.model === undefined ? enabled : enabled.filter((m) => m.config.id === input.model);
  const missing = input.capabilities.filter(
    (skill) => !candidates.some((m) => (m.config.capabilities[skill] ?? 0) >= 1),
  );
  if (candidates.length === 0 || missing.length > 0)
    return [
      {
        path: `${prefix}capabilities`,
        message:
          candidates.length === 0
            ? listing()
            : `no enabled model${input.model ? ` (pinned: ${input.model})` : ""} has ${missing.map((s) => `"${s}"`).join(", ")}; ${listing()}`,
      },
    ];
  return [];
}

function describeCapabilities(capabilities: Record<string, number>): string {
  const entries = Object.entries(capabilities);
  return entries.length === 0
    ? "no capabilities listed"
    : entries.map(([skill, level]) => `${skill} ${level}`).join(", ");
}

/** Refs and idempotency keys are unique; refs name tasks of the same request and form no cycle. */
function checkReferences(tasks: NewTask[], prefix: (i: number) => string): Problem[] {
  const problems: Problem[] = [];
  const byKey = new Map<string, NewTask>();
  for (const task of tasks) {
    if (task.idempotencyKey === null) continue;
    const first = byKey.get(task.idempotencyKey);
    if (first !== undefined)
      problems.push({
        path: `${prefix(task.index)}idempotencyKey`,
        message: `"${task.idempotencyKey}" is also the key of tasks[${first.index}] of this request; each task needs its own`,
      });
    else byKey.set(task.idempotencyKey, task);
  }
  const byRef = new Map<string, NewTask>();
  for (const task of tasks) {
    if (task.ref === undefined) continue;
    if (byRef.has(task.ref))
      problems.push({
        path: `${prefix(task.index)}ref`,
        message: `"${task.ref}" is used by two tasks of this request`,
      });
    byRef.set(task.ref, task);
  }
  for (const task of tasks) {
    for (const ref of task.dependsOnRefs) {
      if (!byRef.has(ref)) {
        problems.push({
          path: `${prefix(task.index)}dependsOn`,
          message: `"${ref}" is no task's ref in this request (existing tasks are named by their numeric id)`,
        });
      } else if (ref === task.ref) {
        problems.push({ path: `${prefix(task.index)}dependsOn`, message: "a task cannot depend on itself" });
      }
    }
  }
  if (problems.length > 0) return problems;
  // Existing tasks cannot depend on new ones, so a cycle can only lie within this request.
  const cycle = findCycle(tasks, byRef);
  if (cycle)
    problems.push({
      path: `${prefix(cycle[0]!.index)}dependsOn`,
      message: `dependencies form a cycle: ${cycle.map((t) => t.ref).join(" → ")}`,
    });
  return problems;
}

function findCycle(tasks: NewTask[], byRef: Map<string, NewTask>): NewTask[] | null {
  const state = new Map<NewTask, "visiting" | "done">();
  const path: NewTask[] = [];
  const visit = (task: NewTask): NewTask[] | null => {
    if (state.get(task) === "done") return null;
    if (state.get(task) === "visiting") return [...path.slice(path.indexOf(task)), task];
    state.set(task, "visiting");
    path.push(task);
    for (const ref of task.dependsOnRefs) {
      const found = visit(byRef.get(ref)!);
      if (found) return found;
    }
    path.pop();
    state.set(task, "done");
    return null;
  };
  for (const task of tasks) {
    const found = visit(task);
    if (found) return found;
  }
  return null;
}

function describeIssue(issue: z.core.$ZodIssue, prefix: string): Problem {
  const path = `${prefix}${issue.path.map(String).join(".")}`.replace(/\.$/, "");
  if (issue.code === "unrecognized_keys") {
    const allowed = Object.keys(taskInputSchema.shape);
    return {
      path: prefix.replace(/\.$/, "") || "task",
      message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed: ${prefix.endsWith("payload.") ? "see the kind's payload" : allowed.join(", ")}`,
    };
  }
  return { path: path || "task", message: issue.message };
}

export function invalidTasks(problems: Problem[], count: number): StewardError {
  const head =
    count === 1
      ? "The task was refused"
      : `The request of ${count} tasks was refused whole; nothing was added`;
  return new StewardError(
    "validation_failed",
    `${head}:\n  - ${problems.map((p) => `${p.path}: ${p.message}`).join("\n  - ")}`,
    {
      details: { problems },
    },
  );
}

function nullIfZero(n: number): number | null {
  return n === 0 ? null : n;
}
