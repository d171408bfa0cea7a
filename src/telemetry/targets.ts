import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Queryable, Session } from "../db/database.ts";
import { type StatsWindow, statsWindow } from "./stats-window.ts";
import { type Breach, recordTargetObservations, retireBreaches } from "./target-breaches.ts";
import {
  type Measures,
  type MeasuresAnswer,
  measureTasks,
  readMeasures,
  type StatsRequest,
} from "./task-measures.ts";
import {
  type Target,
  type TargetMeasure,
  type TargetWindow,
  type TelemetryConfig,
  targetMeasures,
} from "./telemetry-config.ts";

/** One measure of one target beside its target value, over a window. */
export interface TargetCheck {
  stage: string | null;
  kind: string | null;
  /** The target's own window (breaches are evaluated over it). */
  window: TargetWindow;
  measure: TargetMeasure;
  /** What the window's attempts give; null when there is nothing to measure (no data). */
  observed: number | null;
  target: number;
  /** A floor (successRate) or a ceiling (the others). */
  bound: "floor" | "ceiling";
  status: "met" | "breached" | "no_data";
  /** The window measured, and the attempts it counted. */
  from: Date;
  to: Date;
  attempts: number;
}

const read: Record<TargetMeasure, (m: Measures) => number | null> = {
  avgDurationMs: (m) => m.durationMs.avg,
  p95DurationMs: (m) => m.durationMs.p95,
  successRate: (m) => m.successRate,
  queueWaitP95Ms: (m) => m.queueWaitMs.p95,
  // No success in the window gives no cost per success (not an infinite one): a stage that
  // spends and never succeeds breaches its successRate target, if it has one.
  costPerSuccessUsd: (m) => m.costPerSuccessUsd,
};

/** The measures of one target's stage and kind over a window, each beside its target value. */
export async function checkTarget(
  db: Queryable,
  target: Target,
  window: StatsWindow,
): Promise<TargetCheck[]> {
  const answer = await readMeasures(db, {
    window,
    stage: target.stage === undefined ? undefined : [target.stage],
    kind: target.kind === undefined ? undefined : [target.kind],
    // A stage or kind with no attempt yet is no data, not an error (and not a breach).
    unknownNames: "measure",
  });
  const measures = answer.rows[0]!;
  return targetMeasures.flatMap((measure): TargetCheck[] => {
    const goal = target[measure];
    if (goal === undefined) return [];
    const observed = measures.attempts === 0 ? null : read[measure](measures);
    const bound = measure === "successRate" ? "floor" : "ceiling";
    const met = observed === null ? null : bound === "floor" ? observed >= goal : observed <= goal;
    return [
      {
        stage: target.stage ?? null,
        kind: target.kind ?? null,
        window: target.window,
        measure,
        observed,
        target: goal,
        bound,
        status: met === null ? "no_data" : met ? "met" : "breached",
        from: window.from,
        to: window.to,
        attempts: measures.attempts,
      },
    ];
  });
}

export interface TargetEvaluation {
  /** False when another process held the evaluation lock: nothing was read or written. */
  evaluated: boolean;
  checks: TargetCheck[];
  opened: Breach[];
  /** Open breaches found still breached, and updated. */
  updated: number;
  resolved: Breach[];
  /** Open breaches of targets no longer configured, closed (resolvedObserved null). */
  retired: Breach[];
}

/**
 * Holds every target against the measures of its own window ending now, and records what it
 * finds: a breach opened, or updated while it lasts, or resolved once the measure is met again.
 * No data (no attempt in the window) leaves an open breach open: nothing shows it met. A breach
 * of a target taken out of the configuration is closed: nothing would watch it any more.
 *
 * One process at a time: the transaction takes a transaction-scoped advisory lock and, when
 * another process holds it (evaluating the same targets now), does nothing, as model assignment
 * serialises on its own lock (models/model-assignment.ts). On PGlite, with one connection, the
 * transaction keeps the worker's statements waiting for its few reads and two writes.
 */
export async function evaluateTargets(
  db: Session,
  targets: Target[],
  clock: Clock,
): Promise<TargetEvaluation> {
  const nothing: TargetEvaluation = {
    evaluated: false,
    checks: [],
    opened: [],
    updated: 0,
    resolved: [],
    retired: [],
  };
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_xact_lock(hashtext('steward:target-evaluation')) AS locked",
    );
    if (!rows[0]?.locked) return nothing;
    const now = clock.now();
    const checks: TargetCheck[] = [];
    for (const target of targets)
      checks.push(...(await checkTarget(tx, target, statsWindow(target.window, undefined, now))));
    const breached = checks
      .filter((c) => c.status === "breached")
      .map((c) => ({ ...c, observed: c.observed!, sentence: describeBreach(c) }));
    const met = checks.filter((c) => c.status === "met").map((c) => ({ ...c, observed: c.observed! }));
    const recorded = await recordTargetObservations(tx, breached, met, now);
    // Every configured target and measure has a check, with data or without.
    const retired = await retireBreaches(tx, checks, now);
    return { evaluated: true, checks, ...recorded, retired };
  });
}

/** What a worker's maintenance runs every `telemetry.evaluateEveryMs` (workers/worker-pool.ts, MaintenanceStep). */
export function targetEvaluationStep(deps: {
  db: Session;
  clock: Clock;
  logger: Logger;
  config: { telemetry: TelemetryConfig };
}) {
  const { targets, evaluateEveryMs } = deps.config.telemetry;
  return {
    name: "target evaluation",
    everyMs: evaluateEveryMs,
    run: async () => {
      const evaluation = await evaluateTargets(deps.db, targets, deps.clock);
      for (const breach of evaluation.opened)
        deps.logger.warn(
          { breach: breach.id, measure: breach.measure },
          `target breached: ${breach.sentence}`,
        );
      for (const breach of evaluation.retired)
        deps.logger.info(
          { breach: breach.id, measure: breach.measure },
          `breach closed, its target is no longer configured: ${breach.sentence}`,
        );
      for (const breach of evaluation.resolved)
        deps.logger.info(
          { breach: breach.id, measure: breach.measure, lastedMs: breach.lastedMs },
          `target met again: ${scopeWords(breach)}: ${words[breach.measure].name} ${formatMeasure(breach.measure, breach.resolvedObserved!)}`,
        );
    },
  };
}

/** `steward stats` and `GET /api/stats`: the measures, and the targets of the stages and kinds asked about, over the same window. */
export async function measureAgainstTargets(
  db: Queryable,
  clock: Clock,
  targets: Target[],
  request: StatsRequest,
): Promise<MeasuresAnswer & { targets: TargetCheck[] }> {
  const answer = await measureTasks(db, clock, request);
  const window: StatsWindow = {
    from: new Date(answer.window.from),
    to: new Date(answer.window.to),
    grain: answer.window.grain,
  };
  const asked = (names: string[] | undefined, name: string | undefined) =>
    names === undefined || names.length === 0 || name === undefined || names.includes(name);
  const checks: TargetCheck[] = [];
  for (const target of targets)
    if (asked(request.stage, target.stage) && asked(request.kind, target.kind))
      checks.push(...(await checkTarget(db, target, window)));
  return { ...answer, targets: checks };
}

const words: Record<TargetMeasure, { name: string }> = {
  avgDurationMs: { name: "average" },
  p95DurationMs: { name: "p95 duration" },
  successRate: { name: "success rate" },
  queueWaitP95Ms: { name: "p95 queue wait" },
  costPerSuccessUsd: { name: "cost per success" },
};

const trim = (x: number, digits: number) => String(Number(x.toFixed(digits)));

/** 0.25 ms, 850 ms, 4.2 s, 412 s, 95 min. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Number(ms.toPrecision(2))} ms`;
  if (ms < 1_000) return `${trim(ms, ms < 10 ? 1 : 0)} ms`;
  if (ms < 100_000) return `${trim(ms / 1_000, 1)} s`;
  if (ms < 6_000_000) return `${Math.round(ms / 1_000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** A measure's value in its unit. */
export function formatMeasure(measure: TargetMeasure, value: number): string {
  if (measure === "successRate") return `${trim(100 * value, 1)} %`;
  if (measure === "costPerSuccessUsd") return `$${value < 10 ? trim(value, 4) : value.toFixed(2)}`;
  return formatDuration(value);
}

const unitWords: Record<string, [string, string]> = {
  m: ["minute", "minutes"],
  h: ["hour", "hours"],
  d: ["day", "days"],
};

/** "the last hour", "the last 5 minutes". */
function windowWords(window: TargetWindow): string {
  const count = Number(window.slice(0, -1));
  const [one, many] = unitWords[window.slice(-1)]!;
  return count === 1 ? `the last ${one}` : `the last ${count} ${many}`;
}

/** "Implement Ideas", "kind noop", "Implement Ideas (kind implement_idea)". */
function scopeWords(check: { stage: string | null; kind: string | null }): string {
  if (check.stage !== null && check.kind !== null) return `${check.stage} (kind ${check.kind})`;
  return check.stage ?? `kind ${check.kind}`;
}

/** "Implement Ideas: average 412 s against a target of 120 s over the last hour, 38 attempts". */
export function describeBreach(check: TargetCheck): string {
  const { measure } = check;
  const against = check.bound === "floor" ? "against a floor of" : "against a target of";
  return `${scopeWords(check)}: ${words[measure].name} ${formatMeasure(measure, check.observed!)} ${against} ${formatMeasure(measure, check.target)} over ${windowWords(check.window)}, ${check.attempts} attempt${check.attempts === 1 ? "" : "s"}`;
}
