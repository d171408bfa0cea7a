import type { Deps } from "../app/deps.ts";
import { fsarDepsOf } from "../app/fsar-deps.ts";
import { indicatorReaders } from "../app/indicator-readers.ts";
import { fsarStep } from "../fsar/fsar-step.ts";
import { requireKnownPriceTargets } from "../models/price-targets.ts";
import { moneyStep } from "../money/money-step.ts";
import type { AttemptReport } from "../tasks/complete-tasks.ts";
import { requireKnownKinds } from "../tasks/require-kinds.ts";
import { alertStep } from "../telemetry/alert-step.ts";
import { rollupCompactionStep } from "../telemetry/rollup-compaction.ts";
import { rollupRetentionStep } from "../telemetry/rollup-retention.ts";
import { targetEvaluationStep } from "../telemetry/targets.ts";
import { type MaintenanceStep, WorkerPool } from "../workers/worker-pool.ts";

/** Attempts a worker finished, by how they ended: what `steward worker` and `start` print when they stop. */
export type WorkerTally = Record<AttemptReport["outcome"], number>;

export interface StartedWorker {
  pool: WorkerPool;
  tally: WorkerTally;
  kinds: string[];
  concurrency: number;
}

/** Starts a worker pool for `steward worker` and `steward start`, counting the attempts it finishes. */
export async function startWorker(
  deps: Pick<
    Deps,
    "db" | "config" | "kinds" | "logger" | "models" | "metrics" | "clock" | "migrations" | "expectedSchema"
  >,
  options: { concurrency?: number; kinds?: string[] } = {},
): Promise<StartedWorker> {
  if (options.kinds) requireKnownKinds(deps.kinds, options.kinds);
  await requireKnownPriceTargets(deps);
  const kinds = options.kinds ?? deps.kinds.names();
  const concurrency = options.concurrency ?? deps.config.workers.concurrency;
  // Each worker evaluates the targets (one process at a time: telemetry/targets.ts), so that
  // breaches are recorded wherever the workers run.
  // With no target configured, it still closes the breaches of targets taken out.
  const steps: MaintenanceStep[] = [targetEvaluationStep(deps)];
  // And the alerts on trend change (telemetry/alert-step.ts), with their webhook deliveries.
  if (deps.config.telemetry.alerts.enabled)
    steps.push(
      alertStep({ ...deps, settings: deps.config.telemetry.alerts, readers: indicatorReaders(deps) }),
    );
  steps.push(rollupRetentionStep({ db: deps.db, minuteDays: deps.config.telemetry.minuteRollupDays }));
  // Closed buckets' shards merged into one row, so that readers merge a sixth of the rows.
  steps.push(rollupCompactionStep({ db: deps.db }));
  // The ledger's AI usage (from the day rollups) and expense occurrences, kept current.
  steps.push(moneyStep(deps));
  // FSAR reports on their schedule and triggers, one process at a time; and this process's
  // database errors written where the schema assessor reads them.
  steps.push(fsarStep(fsarDepsOf(deps)));
  const pool = new WorkerPool(deps, { concurrency, kinds, steps });
  // Its attempts count in this process's GET /metrics (src/telemetry/process-metrics.ts).
  deps.metrics.watch(pool);
  const tally: WorkerTally = { succeeded: 0, failed: 0, timed_out: 0, released: 0 };
  pool.on("finished", (report) => {
    tally[report.outcome]++;
  });
  // Database errors are logged (and retried) by the pool; a listener keeps them from being thrown.
  pool.on("error", () => {});
  await pool.start();
  return { pool, tally, kinds, concurrency };
}

export function describeTally(tally: WorkerTally): string {
  const total = tally.succeeded + tally.failed + tally.timed_out + tally.released;
  const parts = [`${tally.succeeded} succeeded`, `${tally.failed} failed`];
  if (tally.timed_out) parts.push(`${tally.timed_out} timed out`);
  if (tally.released) parts.push(`${tally.released} handed back to the queue`);
  return `${total} attempt${total === 1 ? "" : "s"} run: ${parts.join(", ")}`;
}
