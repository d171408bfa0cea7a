/**
 * The fault suite's ground (bench/fsar.ts): a fresh database per scenario, a Steward's Deps over
 * it, and a clean background workload run through the engine's own paths, on which one fault is
 * then injected (scenarios.ts).
 *
 * The background: an idea, 40 llm tasks the scheduler spreads over two simulated models (each
 * attempt a small cost, tokens and a result), 20 noop tasks of stage "Implement Ideas" under its
 * target, 20 noop of "Launch", 10 sleep of "Research", all claimed, assigned and completed as a
 * worker does (claimTaskBatch, assignClaimedTasks, completeTasks); 44 charges attributed to the
 * idea (24 over the day before, 20 in the last hour, all succeeded) and 24 checkout sessions
 * converting as usual, delivered to the Stripe inbox and processed; the ledger's AI usage synced
 * (the workers' money step); the alerts evaluated once (none opens on a clean history).
 */
import { createDeps } from "../../src/app/create-deps.ts";
import type { Deps } from "../../src/app/deps.ts";
import { indicatorReaders } from "../../src/app/indicator-readers.ts";
import { type ConfigInput, configSchema } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { PostgresDatabase } from "../../src/db/postgres-database.ts";
import { ExpectedSchemaCache } from "../../src/doctor/expected-schema.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { assignClaimedTasks } from "../../src/models/model-assignment.ts";
import { syncDerivedEntries } from "../../src/money/money-step.ts";
import { claimTaskBatch } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import type { TaskInput } from "../../src/tasks/task-input.ts";
import { evaluateAlerts } from "../../src/telemetry/alerts.ts";
import {
  checkoutPayment,
  deliver,
  type StripeEvent,
  stripeEvent,
  stripeObject,
} from "../../test/money/stripe-fixtures.ts";
import { createBenchDatabase } from "../queue/bench-database.ts";

const sim = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider: "sim",
  model: id,
  price: { inputPerMTok: 0, outputPerMTok: 0 },
  capabilities: { writing: 5 },
  concurrency: 200,
  ...extra,
});

/** The idea the background's work and payments belong to. */
export const ideaKey = "summaries";
/** The stage whose target the slow scenario breaks, and that target. */
export const targetStage = "Implement Ideas";
export const targetAvgMs = 300;

/** One configuration for every scenario: two simulated models (one with a daily budget), an idea budget, targets. */
export const benchConfig: ConfigInput = {
  providers: [{ id: "sim", type: "sim" }],
  models: [sim("sim-a", { dailyBudgetUsd: 5 }), sim("sim-b")] as NonNullable<ConfigInput["models"]>,
  budgets: [{ scope: "idea", id: ideaKey, monthlyUsd: 100 }],
  telemetry: {
    targets: [
      { stage: targetStage, avgDurationMs: targetAvgMs },
      { stage: "llm", p95DurationMs: 30_000 },
      { stage: "Launch", queueWaitP95Ms: 60_000 },
    ],
  },
  fsar: { schedule: null },
};

const expectedSchema = new ExpectedSchemaCache();
const migrations = loadMigrations();

/** A fresh database: a clone of a blank PGlite, or a throwaway database on a PostgreSQL server. */
export interface ScenarioDatabase {
  db: Database;
  dispose(): Promise<void>;
}

let blankPglite: Promise<PgliteDatabase> | undefined;

export async function freshDatabase(server: string | null): Promise<ScenarioDatabase> {
  if (server === null) {
    blankPglite ??= PgliteDatabase.open(null);
    const db = await (await blankPglite).clone();
    return { db, dispose: () => db.close() };
  }
  const created = await createBenchDatabase(server, "fsar");
  const db = new PostgresDatabase({
    url: created.url,
    description: created.name,
    poolSize: 5,
    applicationName: "steward-bench",
  });
  return {
    db,
    async dispose() {
      await db.close();
      await created.drop();
    },
  };
}

/** Closes the blank PGlite the clones come from (a live instance keeps Node running). */
export async function closeTemplates(): Promise<void> {
  if (blankPglite) await (await blankPglite).close();
  blankPglite = undefined;
}

/** Steward's Deps over a fresh database, its migrations applied. */
export async function stewardOn(db: Database): Promise<Deps> {
  const run = await migrateUp(db, migrations);
  if (run.error) throw run.error;
  return createDeps({ config: configSchema.parse(benchConfig), db, migrations, expectedSchema });
}

export type Outcome = { outcome: "succeeded" } | { outcome: "failed"; errorClass: string; message: string };

/**
 * One round of a worker, as the tests run one: claims every ready task, has models assigned to
 * those of kinds that run on one, waits `holdMs` (the attempts' running time), and reports each
 * attempt as `plan` says. A failure is retried in 30 minutes when the task has attempts left.
 */
export async function runRound(
  deps: Deps,
  plan: (task: ClaimedTask) => Outcome = () => ({ outcome: "succeeded" }),
  options: { holdMs?: number; costUsd?: number } = {},
): Promise<{ ran: number; handedBack: number }> {
  const { tasks, claimId } = await claimTaskBatch(deps.db, {
    workerId: "bench-worker",
    limit: 1_000,
    kinds: deps.kinds.names(),
    leaseMs: 60_000,
  });
  const onModels = tasks.filter((task) => deps.kinds.get(task.kind)?.model !== undefined);
  const { waiting } = await assignClaimedTasks(deps, "bench-worker", onModels);
  const handedBack = new Set(waiting.map((w) => w.task.id));
  if (options.holdMs) await new Promise((resolve) => setTimeout(resolve, options.holdMs));
  const reports = tasks
    .filter((task) => !handedBack.has(task.id))
    .map((task): AttemptReport => {
      const planned = plan(task);
      const onModel = task.aiModel !== null && task.aiModel !== undefined;
      const failed = planned.outcome === "failed";
      return {
        taskId: task.id,
        attempt: task.attempt,
        outcome: planned.outcome,
        aiModel: task.aiModel,
        queuedAt: task.readyAt,
        startedAt: task.startedAt,
        finishedAt: new Date(),
        ...(onModel
          ? {
              inputTokens: 1_200,
              outputTokens: failed ? 0 : 300,
              costUsd: options.costUsd ?? 0.002,
              ...(failed ? {} : { result: { text: "A summary." } }),
            }
          : {}),
        retryAt: failed && task.attempt < task.maxAttempts ? new Date(Date.now() + 30 * 60_000) : null,
        ...(failed ? { error: { class: planned.errorClass, message: planned.message } } : {}),
        task,
      };
    });
  await completeTasks(deps.db, "bench-worker", reports, 60, claimId === null ? [] : [claimId]);
  return { ran: reports.length, handedBack: waiting.length };
}

export const llmTasks = (count: number, extra: Partial<TaskInput> = {}): TaskInput[] =>
  Array.from({ length: count }, () => ({
    kind: "llm",
    maxAttempts: 3,
    payload: { prompt: "Summarise the week's notes" },
    ...extra,
  }));

export const plainTasks = (
  kind: "noop" | "sleep",
  stage: string,
  count: number,
  ideaId?: number,
): TaskInput[] =>
  Array.from({ length: count }, () => ({
    kind,
    stage,
    maxAttempts: 3,
    ...(kind === "sleep" ? { payload: { ms: 1 } } : {}),
    ...(ideaId === undefined ? {} : { ideaId }),
  }));

let stripeSerial = 0;

/** A charge created at `at` (seconds): succeeded (attributed to `idea` when given) or failed. */
export function charge(at: number, options: { failed?: boolean; idea?: string; amount?: number } = {}) {
  const id = `b${++stripeSerial}`;
  const payment = checkoutPayment(id, { at, amount: options.amount ?? 2_000 });
  const metadata = options.idea ? { idea: options.idea } : {};
  const object = options.failed
    ? payment.charge({ status: "failed", captured: false, amount_captured: 0, metadata })
    : payment.charge({ metadata });
  return stripeEvent(`evt_${id}`, options.failed ? "charge.failed" : "charge.succeeded", object, at);
}

function session(at: number, completed: boolean): StripeEvent {
  const id = `s${++stripeSerial}`;
  const object = stripeObject("checkout.session", {
    id: `cs_${id}`,
    status: completed ? "complete" : "expired",
    payment_status: completed ? "paid" : "unpaid",
    amount_total: 2_000,
    currency: "usd",
    payment_intent: null,
    created: at - 600,
    metadata: {},
  });
  return stripeEvent(
    `evt_${id}`,
    completed ? "checkout.session.completed" : "checkout.session.expired",
    object,
    at,
  );
}

/** `count` times `make(at, i)`, spread evenly over the `span` seconds ending at `end`. */
export function spread<T>(count: number, end: number, span: number, make: (at: number, i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) =>
    make(Math.floor(end - span + ((i + 0.5) * span) / count), i),
  );
}

/** Seconds since the epoch, a little before now: events of "the last hour". */
export const recentSec = () => Math.floor(Date.now() / 1000) - 60;

export interface Background {
  ideaId: number;
  /** What the background ran, for the record. */
  attempts: number;
  charges: number;
}

/** The clean background workload (see the module's comment). */
export async function runBackground(deps: Deps): Promise<Background> {
  const { rows } = await deps.db.query<{ id: number }>(
    "INSERT INTO ideas (key, title, status, income_stream) VALUES ($1, 'Weekly summaries', 'active', 'stripe:summaries') RETURNING id",
    [ideaKey],
  );
  const ideaId = rows[0]!.id;
  await enqueueTasks(deps, [
    ...llmTasks(40, { ideaId }),
    ...plainTasks("noop", targetStage, 20, ideaId),
    ...plainTasks("noop", "Launch", 20, ideaId),
    ...plainTasks("sleep", "Research", 10),
  ]);
  const round = await runRound(deps);
  if (round.ran !== 90 || round.handedBack !== 0)
    throw new Error(`the background ran ${round.ran} of 90 tasks (${round.handedBack} handed back)`);
  const now = recentSec();
  const day = 86_400;
  const hour = 3_600;
  const events = [
    ...spread(24, now - hour, day - hour, (at) => charge(at, { idea: ideaKey })),
    ...spread(20, now, 50 * 60, (at) => charge(at, { idea: ideaKey })),
    ...spread(12, now - hour, day - hour, (at, i) => session(at, i < 11)),
    ...spread(12, now, 50 * 60, (at, i) => session(at, i < 10)),
  ];
  await deliver(deps.db, events);
  await syncDerivedEntries(deps.db, new Date());
  const alerts = await evaluateAlerts(
    deps.db,
    deps.config.telemetry.alerts,
    deps.clock,
    indicatorReaders(deps),
  );
  if (alerts.opened > 0) throw new Error(`the clean background opened ${alerts.opened} alerts`);
  return { ideaId, attempts: round.ran, charges: 44 };
}
