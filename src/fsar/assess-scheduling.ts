import type { Queryable } from "../db/database.ts";
import { getModelsStatus, type ModelStatus } from "../models/model-status.ts";
import type { ModelWaitCause } from "../tasks/task.ts";
import { getWaitingTasks, type WaitingGroup } from "../tasks/waiting-tasks.ts";
import { type Measures, readMeasures } from "../telemetry/task-measures.ts";
import { inWords, quote } from "./assess-indicators.ts";
import {
  type AssessmentWindow,
  type Assessor,
  type AssessorDeps,
  finding,
  percent,
  windowOf,
} from "./assessor.ts";
import type { Finding } from "./fsar-report.ts";

/**
 * The scheduling assessor: how work meets its models and its deadlines. It reads the rollups
 * (attempts, failures, deadline misses and tasks failed for good, by model, stage and kind), the
 * models' live state (cooldowns, what they are running) and the queue's waiting tasks; never the
 * task rows of the window, so a report stays fast at a million tasks.
 *
 * - scheduling.failing_model: a model with ≥ 20 finished calls whose failure share is ≥ 20 %
 *   (5; 7 from 30 %, 8 from 50 %), while it still receives work (calls started in the last 10
 *   minutes, or available to the scheduler);
 * - scheduling.deadline_misses: per stage, ≥ 5 misses and ≥ 5 % of the tasks that finished (4; 6
 *   from 20 %): the rollups count misses, not the tasks that had a deadline;
 * - scheduling.cooldown_storm: at least 2, and half or more, of the enabled models cooling down (5);
 * - scheduling.dead_tasks: per kind, ≥ 10 tasks failed for good and ≥ 5 % of those that ended (4;
 *   5 from 10 %);
 * - scheduling.no_model: per kind, tasks handed back because no model could take them (unavailable,
 *   budget, cooldown, rate limit; not busy models, which are queue wait), one of them queued for
 *   more than a minute or 10 of them (5).
 */
export const schedulingAssessor: Assessor = {
  name: "scheduling",
  async assess(deps, window) {
    const measure = (by: "stage" | "kind" | "model") =>
      readMeasures(deps.db, { window, by, unknownNames: "measure" }).then((a) => a.rows);
    const [status, byModel, byStage, byKind, waiting] = await Promise.all([
      getModelsStatus(deps.db, deps.models),
      measure("model"),
      measure("stage"),
      measure("kind"),
      getWaitingTasks(deps.db),
    ]);
    return [
      ...(await failingModels(deps, window, status.models, byModel)),
      ...(await deadlineMisses(deps, window, byStage)),
      ...cooldownStorm(status.models),
      ...deadTasks(window, byKind),
      ...(await noModel(deps.db, waiting.groups)),
    ];
  },
};

const modelSource =
  "task_rollups by model (readMeasures); model_calls of the last 10 minutes; getModelsStatus";

async function failingModels(
  deps: AssessorDeps,
  window: AssessmentWindow,
  models: ModelStatus[],
  rows: Measures[],
): Promise<Finding[]> {
  const failing = rows.filter((r) => {
    const finished = r.succeeded + r.failed;
    return r.group !== null && finished >= 20 && r.failed / finished >= 0.2;
  });
  if (failing.length === 0) return [];
  const recent = await recentCalls(deps.db);
  const found: Finding[] = [];
  for (const row of failing) {
    const id = row.group!;
    const model = models.find((m) => m.id === id);
    const state = model?.state ?? "not configured";
    const lately = recent.get(id) ?? 0;
    if (lately === 0 && state !== "available") continue;
    const finished = row.succeeded + row.failed;
    const share = row.failed / finished;
    const kinds = await kindsOf(deps.db, window, { model: [id] });
    const receiving =
      lately > 0
        ? `${lately} ${lately === 1 ? "call" : "calls"} in the last 10 minutes`
        : "it is available to the scheduler";
    found.push(
      finding("scheduling.failing_model", {
        scope: `model:${id}`,
        severity: share >= 0.5 ? 8 : share >= 0.3 ? 7 : 5,
        summary: `Model ${id} failed ${row.failed} of ${finished} calls (${percent(share)}) in the last ${inWords(window.label)} and is still receiving work (${receiving}).`,
        evidence: {
          numbers: {
            calls: finished,
            failed: row.failed,
            succeeded: row.succeeded,
            failureShare: share,
            callsLast10Minutes: lately,
            inFlight: model?.inFlight ?? null,
            state,
          },
          window: windowOf(window),
          source: modelSource,
        },
        kinds,
        remedy: [
          { text: `See ${id}'s state, cooldown and what was learned per kind`, command: "steward models" },
          {
            text: `Measure ${id}'s failures by kind over the window`,
            command: `steward stats --by kind --model ${quote(id)} --since ${window.label}`,
          },
          {
            text: `Disable ${id} until its provider recovers; the scheduler moves its work to the other models that can take it`,
            config: JSON.stringify({ models: [{ id, enabled: false }] }),
          },
        ],
        risk: `Every task sent to ${id} fails ${percent(share)} of the time: each failure spends an attempt, its tokens and a backoff, and brings tasks of ${kinds.join(", ") || "its kinds"} closer to failing for good.`,
        mitigation: `Disable ${id} (or give its kinds a fallback model) so that new work goes to models that succeed, and enable it again once a trial task succeeds on it.`,
      }),
    );
  }
  return found;
}

/** Calls started in the last 10 minutes, per model (model_calls_started_idx bounds the scan). */
async function recentCalls(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ model_id: string; n: number }>(
    "SELECT model_id, count(*)::int AS n FROM model_calls WHERE started_at > now() - interval '10 minutes' GROUP BY model_id",
  );
  return new Map(rows.map((r) => [r.model_id, r.n]));
}

/** The kinds that ran in the window (of a model, or of a stage), from the rollups. */
async function kindsOf(
  db: Queryable,
  window: AssessmentWindow,
  filter: { model?: string[]; stage?: string[] },
  having: (m: Measures) => boolean = () => true,
): Promise<string[]> {
  const { rows } = await readMeasures(db, { window, by: "kind", ...filter, unknownNames: "measure" });
  return rows
    .filter(having)
    .map((r) => r.group)
    .filter((k): k is string => k !== null)
    .sort();
}

/** Tasks that ended in the window: succeeded, failed for good, or cancelled while running. */
const endedOf = (m: Measures) => m.succeeded + m.tasksFailed + m.cancelled;

async function deadlineMisses(
  deps: AssessorDeps,
  window: AssessmentWindow,
  rows: Measures[],
): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const row of rows) {
    const ended = endedOf(row);
    const stage = row.group;
    if (stage === null || row.deadlineMisses < 5 || ended === 0) continue;
    const share = row.deadlineMisses / ended;
    if (share < 0.05) continue;
    const kinds = await kindsOf(deps.db, window, { stage: [stage] }, (m) => m.deadlineMisses > 0);
    found.push(
      finding("scheduling.deadline_misses", {
        scope: `stage:${stage}`,
        severity: share >= 0.2 ? 6 : 4,
        summary: `${row.deadlineMisses} of the ${ended} tasks of stage "${stage}" that finished in the last ${inWords(window.label)} finished after their deadline (${percent(share)}).`,
        evidence: {
          numbers: {
            deadlineMisses: row.deadlineMisses,
            tasksFinished: ended,
            missShare: share,
            avgDurationMs: round(row.durationMs.avg),
            p95DurationMs: round(row.durationMs.p95),
            p95QueueWaitMs: round(row.queueWaitMs.p95),
          },
          window: windowOf(window),
          source: `task_rollups, stage '${stage}' (readMeasures; misses over the tasks that finished: the rollups do not count the tasks that had a deadline)`,
        },
        kinds,
        remedy: [
          {
            text: `See where the time of stage "${stage}" goes, by kind: durations against queue waits`,
            command: `steward stats --by kind --stage ${quote(stage)} --since ${window.label}`,
          },
          {
            text: "See how many tasks wait and why (no worker free, no model, retries)",
            command: "steward status",
          },
          {
            text: `Give tasks of stage "${stage}" with deadlines a higher urgency, or deadlines that allow for the p95 duration and queue wait measured here`,
          },
        ],
        risk: `Work of stage "${stage}" arrives late ${percent(share)} of the time: whatever waits on it (a launch, a customer, a dependent task) is late too, and retries of slow tasks make the backlog worse.`,
        mitigation: `Add capacity where the stage waits (workers, or model concurrency) and raise the urgency of tasks with deadlines, so that the scheduler runs them before work that can wait.`,
      }),
    );
  }
  return found;
}

function cooldownStorm(models: ModelStatus[]): Finding[] {
  const enabled = models.filter((m) => m.enabled);
  const cooling = enabled.filter((m) => m.cooldown !== null);
  if (cooling.length < 2 || cooling.length * 2 < enabled.length) return [];
  const latest = cooling.map((m) => m.cooldown!.until).sort()[cooling.length - 1]!;
  const reasons = [...new Set(cooling.map((m) => m.cooldown!.reason ?? "no reason recorded"))];
  return [
    finding("scheduling.cooldown_storm", {
      summary: `${cooling.length} of the ${enabled.length} enabled models are cooling down now (${cooling.map((m) => m.id).join(", ")}), the last until ${latest}.`,
      evidence: {
        numbers: {
          enabledModels: enabled.length,
          coolingDown: cooling.length,
          models: cooling.map((m) => m.id).join(", "),
          latestUntil: latest,
          reasons: reasons.join("; "),
        },
        source: "model_runtime cooldowns (getModelsStatus)",
      },
      remedy: [
        { text: "See each model's cooldown, its reason and its end", command: "steward models" },
        {
          text: "Halve the concurrency of the models that cool down, so that their providers' rate limits are not hit again",
          config: JSON.stringify({
            models: cooling.map((m) => ({
              id: m.id,
              concurrency: Math.max(1, Math.floor(m.concurrency / 2)),
            })),
          }),
        },
        { text: "Give the kinds that run on them fallback models of another provider" },
      ],
      risk: "While most models cool down, tasks that need a model wait (no model can take them) and the few models left take all the work, which may send them into cooldown too.",
      mitigation:
        "Keep each model's request rate within what its provider allows (concurrency, requestsPerMinute) and spread the kinds over models of more than one provider.",
    }),
  ];
}

function deadTasks(window: AssessmentWindow, rows: Measures[]): Finding[] {
  const found: Finding[] = [];
  for (const row of rows) {
    const kind = row.group;
    const ended = endedOf(row);
    if (kind === null || row.tasksFailed < 10 || ended === 0) continue;
    const share = row.tasksFailed / ended;
    if (share < 0.05) continue;
    found.push(
      finding("scheduling.dead_tasks", {
        scope: `kind:${kind}`,
        severity: share >= 0.1 ? 5 : 4,
        summary: `${row.tasksFailed} tasks of kind ${kind} failed for good in the last ${inWords(window.label)}, ${percent(share)} of the ${ended} that ended.`,
        evidence: {
          numbers: {
            tasksFailed: row.tasksFailed,
            tasksEnded: ended,
            deadShare: share,
            failedAttempts: row.failed,
            attempts: row.attempts,
          },
          window: windowOf(window),
          source: `task_rollups, kind '${kind}' (readMeasures)`,
        },
        kinds: [kind],
        remedy: [
          {
            text: `Read the last errors of the dead tasks of ${kind}`,
            command: `steward task dead --kind ${quote(kind)}`,
          },
          {
            text: `See whether the failures come from one model`,
            command: `steward stats --by model --kind ${quote(kind)} --since ${window.label}`,
          },
          {
            text: `Once the cause is mended, queue them again`,
            command: `steward task retry --all-dead --kind ${quote(kind)}`,
          },
        ],
        risk: `The work of ${row.tasksFailed} tasks of ${kind} is not done and waits for a person: what depends on them fails or waits, and the attempts they spent were paid for.`,
        mitigation: `Mend the cause the dead tasks' errors name (a failing model, a bad payload, a handler bug) before retrying them, and pause ${kind} (steward task pause ${kind}) if new tasks keep dying meanwhile.`,
      }),
    );
  }
  return found;
}

const causeWords: Record<ModelWaitCause, string> = {
  unavailable: "no configured model can take them",
  budget: "the budgets of the models that could are spent",
  cooldown: "the models that could are cooling down",
  rate_limit: "the models that could are at their per-minute limits",
  capacity: "the models that could are busy",
};

async function noModel(db: Queryable, groups: WaitingGroup[]): Promise<Finding[]> {
  // Tasks handed back because the models that could take them are busy wait a second and are
  // queue wait, not a lack of models: performance.model_saturation and queue_wait report them.
  const waiting = groups.filter((g) => g.reason === "no_model" && g.cause !== "capacity");
  if (waiting.length === 0) return [];
  const kinds = [...new Set(waiting.map((g) => g.kind))].sort();
  const ages = await waitingAges(db, kinds);
  const found: Finding[] = [];
  for (const kind of kinds) {
    const mine = waiting.filter((g) => g.kind === kind).sort((a, b) => b.count - a.count);
    const count = mine.reduce((s, g) => s + g.count, 0);
    const age = ages.get(kind);
    const overMinute = age?.overMinute ?? 0;
    if (count < 10 && overMinute === 0) continue;
    const main = mine[0]!;
    const cause = main.cause ?? "unavailable";
    const oldestMs = age?.oldestMs ?? 0;
    found.push(
      finding("scheduling.no_model", {
        scope: `kind:${kind}`,
        summary: `${count} queued ${count === 1 ? "task" : "tasks"} of kind ${kind} wait because ${causeWords[cause]} (cause ${mine.map((g) => `${g.cause ?? "unknown"}: ${g.count}`).join(", ")}), the oldest queued ${duration(oldestMs)} ago.`,
        evidence: {
          numbers: {
            waiting: count,
            waitingOverAMinute: overMinute,
            oldestQueuedMs: oldestMs,
            cause,
            explanation: main.explanation,
            ...Object.fromEntries(mine.map((g) => [`cause:${g.cause ?? "unknown"}`, g.count])),
          },
          source: "execution_tasks queued with no model (getWaitingTasks: the ready index, bounded scan)",
        },
        kinds: [kind],
        remedy: [
          ...(age?.taskId === undefined
            ? []
            : [
                {
                  text: "Read why the scheduler found no model for one of them",
                  command: `steward task explain ${age.taskId}`,
                },
              ]),
          { text: "See the models' state: enabled, cooling down, budgets, load", command: "steward models" },
          { text: remedyFor(cause, kind) },
        ],
        risk: `Tasks of ${kind} do not run at all while no model can take them: ${count} are held back now, and more join them with every task of ${kind} enqueued.`,
        mitigation: `Make at least one enabled model able to take ${kind} (capabilities, complexity, context window, budget), with a fallback of another provider for cooldowns.`,
      }),
    );
  }
  return found;
}

function remedyFor(cause: ModelWaitCause, kind: string): string {
  if (cause === "unavailable")
    return `Enable or configure a model with the capabilities, complexity and context window the tasks of ${kind} ask for (the explanation names what each model lacks)`;
  if (cause === "budget")
    return "Raise the spent budget (dailyBudgetUsd, monthlyBudgetUsd of the model, its provider or the idea) or move the work to a model whose budget has room";
  if (cause === "cooldown")
    return `Add a fallback model of another provider for ${kind}: cooldowns then move the work instead of stopping it`;
  return "Raise the per-minute limits of the models that take this work if their providers allow, or add another model";
}

/** Of the queued tasks waiting for a model, per kind: how many were queued over a minute ago, the oldest's age and id. */
async function waitingAges(
  db: Queryable,
  kinds: string[],
): Promise<Map<string, { overMinute: number; oldestMs: number; taskId: number }>> {
  const { rows } = await db.query<{ kind: string; over_minute: number; oldest_ms: number; task_id: number }>(
    `SELECT kind, count(*) FILTER (WHERE created_at < now() - interval '1 minute')::int AS over_minute,
            (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS oldest_ms, min(id)::int AS task_id
       FROM (SELECT kind, id, created_at, assignment FROM execution_tasks
              WHERE waiting_status = 'queued' ORDER BY priority_at, id LIMIT 50000) q
      WHERE assignment IS NOT NULL AND assignment ->> 'model' IS NULL AND kind = ANY ($1::text[])
        AND assignment ->> 'cause' IS DISTINCT FROM 'capacity'
      GROUP BY kind`,
    [kinds],
  );
  return new Map(
    rows.map((r) => [
      r.kind,
      { overMinute: r.over_minute, oldestMs: Math.max(0, r.oldest_ms), taskId: r.task_id },
    ]),
  );
}

function duration(ms: number): string {
  if (ms < 1_000) return "less than a second";
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const round = (v: number | null) => (v === null ? null : Math.round(v));
