/**
 * The fault suite's scenarios (bench/fsar.ts): each injects one fault into a clean background
 * (workload.ts) through the engine's own paths, as the assessors' tests do, and names the
 * finding a report must then carry. `runScenario` writes the report and scores it.
 */
import type { Deps } from "../../src/app/deps.ts";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import { indicatorReaders } from "../../src/app/indicator-readers.ts";
import type { Assessor } from "../../src/fsar/assessor.ts";
import { defaultAssessors, writeReport } from "../../src/fsar/write-report.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { evaluateAlerts } from "../../src/telemetry/alerts.ts";
import { deliver } from "../../test/money/stripe-fixtures.ts";
import {
  type Background,
  charge,
  freshDatabase,
  ideaKey,
  llmTasks,
  plainTasks,
  recentSec,
  runBackground,
  runRound,
  spread,
  stewardOn,
  targetAvgMs,
  targetStage,
} from "./workload.ts";

export interface Expected {
  code: string;
  /** The least severity the finding must have. */
  severity: number;
  blocking: boolean;
}

export interface Scenario {
  name: string;
  /** The finding the fault must produce; null for the clean system. */
  expected: Expected | null;
  /** Injects the fault; returns what it did, in numbers, for the record. */
  inject(deps: Deps, background: Background): Promise<Record<string, unknown>>;
  assessors?: Assessor[];
}

/** Findings above this severity count (a clean system may carry notes of 1–2). */
export const noteSeverity = 2;

const throwing: Assessor = {
  name: "throwing",
  assess: async () => {
    throw new Error('relation "bench_nowhere" does not exist');
  },
};

export const scenarios: Scenario[] = [
  {
    name: "ai_model dropped",
    expected: { code: "schema.missing_object", severity: 9, blocking: true },
    async inject(deps) {
      await deps.db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
      await enqueueTasks(deps, [{ kind: "noop" }]).catch(() => {});
      let failedClaims = 0;
      for (let i = 0; i < 6; i++)
        await claimTasks(deps.db, { workerId: "w", limit: 10, kinds: ["noop"], leaseMs: 1_000 }).catch(() => {
          failedClaims += 1;
        });
      return { failedClaims };
    },
  },
  {
    name: "stage slowed 4x",
    expected: { code: "performance.over_target", severity: 7, blocking: false },
    async inject(deps, background) {
      // 60 more tasks of the stage, each running six times its target: with the background's 20
      // fast ones the stage's average over the hour is ≈4.5× the target.
      await enqueueTasks(deps, plainTasks("noop", targetStage, 60, background.ideaId));
      const holdMs = 6 * targetAvgMs;
      const { ran } = await runRound(deps, undefined, { holdMs });
      const { rows } = await deps.db.query<{ avg_ms: number; n: number }>(
        `SELECT (avg(extract(epoch FROM a.finished_at - a.started_at)) * 1000)::float8 AS avg_ms, count(*)::int AS n
           FROM task_attempts a JOIN execution_tasks t ON t.id = a.task_id WHERE t.stage = $1`,
        [targetStage],
      );
      return {
        slowAttempts: ran,
        holdMs,
        stageAttempts: rows[0]!.n,
        stageAvgMs: Math.round(rows[0]!.avg_ms),
        ratio: Number((rows[0]!.avg_ms / targetAvgMs).toFixed(2)),
      };
    },
  },
  {
    name: "model failing 40%",
    expected: { code: "scheduling.failing_model", severity: 7, blocking: false },
    async inject(deps, background) {
      const model = "sim-b";
      const { rows } = await deps.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM task_attempts WHERE ai_model = $1",
        [model],
      );
      const before = rows[0]!.n;
      const added = 50;
      // Of the model's attempts in the window (the background's and these), 40 % fail; the
      // failed tasks are retried later (they do not die).
      const failures = Math.round(0.4 * (before + added));
      let seen = 0;
      await enqueueTasks(deps, llmTasks(added, { model, ideaId: background.ideaId }));
      await runRound(deps, () =>
        ++seen <= failures
          ? {
              outcome: "failed",
              errorClass: "ServerError",
              message: "sim-b answered 500 Internal Server Error",
            }
          : { outcome: "succeeded" },
      );
      return {
        model,
        attemptsBefore: before,
        attemptsAdded: added,
        failures,
        failureShare: failures / (before + added),
      };
    },
  },
  {
    name: "budget exceeded",
    expected: { code: "money.budget_exceeded", severity: 8, blocking: true },
    async inject(deps) {
      // sim-a's daily budget is $5: ten attempts of $0.60 take today's spend past it.
      await enqueueTasks(deps, llmTasks(10, { model: "sim-a" }));
      const { ran } = await runRound(deps, undefined, { costUsd: 0.6 });
      return { model: "sim-a", dailyBudgetUsd: 5, attempts: ran, spentUsd: Number((ran * 0.6).toFixed(2)) };
    },
  },
  {
    name: "payment failures spike",
    expected: { code: "money.payment_failures", severity: 7, blocking: false },
    async inject(deps) {
      // 15 failed charges in the last hour beside the background's 20 that succeeded: 43 %.
      await deliver(
        deps.db,
        spread(15, recentSec(), 40 * 60, (at) => charge(at, { failed: true, idea: ideaKey })),
      );
      return { failedCharges: 15, succeededCharges: 20, share: Number((15 / 35).toFixed(3)) };
    },
  },
  {
    name: "unattributed revenue",
    expected: { code: "money.unattributed_revenue", severity: 5, blocking: false },
    async inject(deps) {
      // 30 charges of $20 with no idea beside the background's 20 attributed: 60 % unattributed.
      await deliver(
        deps.db,
        spread(30, recentSec(), 40 * 60, (at) => charge(at)),
      );
      return { unattributedCharges: 30, attributedCharges: 20, share: 0.6 };
    },
  },
  {
    name: "indicator alert",
    expected: { code: "indicators.alert", severity: 5, blocking: false },
    async inject(deps) {
      // Stage Research's duration steps up fourfold for the last 15 of 75 minutes (10 attempts a
      // minute), as the alert tests write the minute rollups; then the alerts are evaluated.
      const points = [
        ...Array.from({ length: 60 }, (_, i) => 100 + (i % 3) * 2),
        ...Array.from({ length: 15 }, (_, i) => 400 + (i % 3) * 2),
      ];
      const last = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
      const rows = points.map((d, i) => ({
        at: new Date(last - (points.length - 1 - i) * 60_000).toISOString(),
        d,
      }));
      await deps.db.query(
        `INSERT INTO task_rollups (grain, bucket_start, stage, kind, model, shard, attempts, succeeded, failed, timed_out,
                                   cancelled, lease_lost, released, retries, tasks_failed, deadline_misses, unverified,
                                   duration_ms, queue_wait_ms, input_tokens, output_tokens, cost_usd, duration_hist, queue_wait_hist)
         SELECT 'minute', (r ->> 'at')::timestamptz, 'Research', 'sleep', '', 7, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                10 * (r ->> 'd')::float8, 10, 0, 0, 0, '{10}', '{10}'
           FROM jsonb_array_elements($1::jsonb) r
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(rows)],
      );
      const evaluated = await evaluateAlerts(
        deps.db,
        deps.config.telemetry.alerts,
        deps.clock,
        indicatorReaders(deps),
      );
      return { minutes: points.length, opened: evaluated.opened };
    },
  },
  {
    name: "assessor throws",
    expected: { code: "fsar.assessor_failed", severity: 6, blocking: false },
    assessors: [throwing, ...defaultAssessors],
    async inject() {
      return { assessor: throwing.name };
    },
  },
  {
    name: "clean system",
    expected: null,
    async inject() {
      return {};
    },
  },
];

export interface FoundFinding {
  code: string;
  key: string;
  severity: number;
  blocking: boolean;
}

export interface ScenarioResult {
  name: string;
  expected: Expected | null;
  found: FoundFinding[];
  /** The expected finding with its code, at least its severity, and its blocking; null for the clean system. */
  truePositive: boolean | null;
  /** Why it missed, when it did. */
  miss: string | null;
  /** Every other finding above severity 2. */
  falsePositives: FoundFinding[];
  /** The report blocked though the fault does not (or there is none). */
  falseBlock: boolean;
  blockExecution: boolean;
  reportSeverity: number;
  failedAssessors: { assessor: string; error: string }[];
  injected: Record<string, unknown>;
  /** The scenario could not run (its setup or the report threw). */
  error: string | null;
  /** writeReport's time; the setup's (database, migrations, background, fault) beside it. */
  ms: number;
  setupMs: number;
}

/** One scenario on a fresh database: background, fault, report, score. */
export async function runScenario(scenario: Scenario, server: string | null): Promise<ScenarioResult> {
  const setupStart = performance.now();
  const { db, dispose } = await freshDatabase(server);
  let injected: Record<string, unknown> = {};
  let setupMs = 0;
  try {
    const deps = await stewardOn(db);
    const background = await runBackground(deps);
    injected = await scenario.inject(deps, background);
    setupMs = performance.now() - setupStart;
    const start = performance.now();
    const { report } = await writeReport(
      fsarDepsOf(deps),
      scenario.assessors ? { assessors: scenario.assessors } : {},
    );
    const ms = performance.now() - start;
    const found = report.findings.map((f) => ({
      code: f.code,
      key: f.key,
      severity: f.severity,
      blocking: f.blocking,
    }));
    return {
      ...score(scenario.expected, found, report.block_execution),
      name: scenario.name,
      expected: scenario.expected,
      found,
      blockExecution: report.block_execution,
      reportSeverity: report.severity,
      failedAssessors: report.failedAssessors,
      injected,
      error: null,
      ms: Math.round(ms),
      setupMs: Math.round(setupMs),
    };
  } catch (error) {
    // A scenario that could not run is a miss of the suite, said as such; the others still run.
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: scenario.name,
      expected: scenario.expected,
      found: [],
      truePositive: false,
      miss: `the scenario failed: ${message}`,
      falsePositives: [],
      falseBlock: false,
      blockExecution: false,
      reportSeverity: 0,
      failedAssessors: [],
      injected,
      error: message,
      ms: 0,
      setupMs: Math.round(setupMs || performance.now() - setupStart),
    };
  } finally {
    await dispose();
  }
}

function score(expected: Expected | null, found: FoundFinding[], blocks: boolean) {
  const mine = expected === null ? undefined : found.find((f) => f.code === expected.code);
  const others = found.filter((f) => f !== mine && f.severity > noteSeverity);
  let miss: string | null = null;
  if (expected !== null) {
    if (mine === undefined) miss = `no ${expected.code} finding`;
    else if (mine.severity < expected.severity)
      miss = `${mine.key} of severity ${mine.severity}, below ${expected.severity}`;
    else if (mine.blocking !== expected.blocking)
      miss = `${mine.key} ${mine.blocking ? "blocks" : "does not block"}, expected ${expected.blocking ? "blocking" : "not blocking"}`;
  }
  return {
    truePositive: expected === null ? null : miss === null,
    miss,
    falsePositives: others,
    falseBlock: blocks && !(expected?.blocking ?? false),
  };
}

export interface SuiteSummary {
  truePositives: number;
  falsePositives: number;
  precision: number | null;
  recall: number | null;
  falseBlocks: number;
}

/** Precision: true positives over every finding counted (above severity 2); recall: over the faults. */
export function summarise(results: ScenarioResult[]): SuiteSummary {
  const faults = results.filter((r) => r.expected !== null);
  const truePositives = faults.filter((r) => r.truePositive).length;
  const falsePositives = results.reduce((n, r) => n + r.falsePositives.length, 0);
  const counted = truePositives + falsePositives;
  return {
    truePositives,
    falsePositives,
    precision: counted === 0 ? null : round(truePositives / counted),
    recall: faults.length === 0 ? null : round(truePositives / faults.length),
    falseBlocks: results.filter((r) => r.falseBlock).length,
  };
}

const round = (x: number) => Number(x.toFixed(3));
