import type { Logger } from "pino";
import { findBackfill } from "../backfill/backfills.ts";
import { runBackfill } from "../backfill/run-backfill.ts";
import { fixSchema } from "../doctor/fix-schema.ts";
import type { FsarConfig } from "../fsar/fsar-config.ts";
import { type FsarDeps, writeReport } from "../fsar/write-report.ts";

/**
 * The demo's FSAR story, once per database: a first report at start, so that the Reports page is
 * not empty; then, a minute in, the seed report's own failure: `execution_tasks.ai_model` is
 * dropped, claims fail with 42703, the burst of errors triggers a report whose blocking finding
 * closes the execution gate (the dashboard shows why); a minute and a half later the demo does
 * what the report proposes (`steward doctor --fix`, then the backfill of ai_model from the
 * attempts) and writes the report that finds the drift gone, which opens the gate again. Reports
 * also come every two minutes on the demo's schedule.
 */

/** The default schedule, left untouched by the user: the demo's is every two minutes. */
const defaultSchedule = "*/30 * * * *";

export function withDemoFsar<C extends { fsar: FsarConfig }>(config: C): C {
  if (config.fsar.schedule !== defaultSchedule) return config;
  return { ...config, fsar: { ...config.fsar, schedule: "*/2 * * * *" } };
}

/** Marks the demo's own reports, and tells a database whose story was told. */
const faultTrigger = "demo: execution_tasks.ai_model dropped, as in the seed report";
const repairTrigger = "demo: after steward doctor --fix and the ai_model backfill";

export interface DemoFsarOptions {
  /** How long after start the column is dropped (default a minute). */
  faultAfterMs?: number;
  /** How long the drift lasts before the demo repairs it (default 90 s). */
  repairAfterMs?: number;
  /** If no report has closed the gate this long after the drop, the demo writes one (default 30 s). */
  reportWithinMs?: number;
}

export interface DemoFsar {
  /** Resolves when the story in flight (if any) has reached a resting point. */
  stop(): Promise<void>;
  /** Settles when the story is told (or was told before, or was stopped). */
  readonly told: Promise<void>;
}

export async function startDemoFsar(
  deps: FsarDeps & { logger: Logger },
  options: DemoFsarOptions = {},
): Promise<DemoFsar> {
  const { faultAfterMs = 60_000, repairAfterMs = 90_000, reportWithinMs = 30_000 } = options;
  let stopped = false;
  // Each wait resolves true when its time comes, false at once when the demo stops.
  const waits = new Map<NodeJS.Timeout, (value: boolean) => void>();
  const later = (ms: number) =>
    new Promise<boolean>((resolve) => {
      // Asked after the demo stopped (the first report was still being written): no wait.
      if (stopped) return resolve(false);
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve(!stopped);
      }, ms);
      waits.set(timer, resolve);
    });
  // In the background: start-up does not wait for the first report.
  const story = async () => {
    const { rows } = await deps.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM fsar_reports WHERE source = 'steward'",
    );
    if (rows[0]!.n === 0) await writeReport(deps, { trigger: "demo: a first look" });
    const { rows: told } = await deps.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM fsar_reports WHERE trigger = $1",
      [repairTrigger],
    );
    if (told[0]!.n > 0 || !(await later(faultAfterMs))) return;
    deps.logger.warn(
      "demo: dropping execution_tasks.ai_model to show a blocking finding (the seed report's drift): claims fail with 42703 until the demo repairs it",
    );
    await deps.db.exec("ALTER TABLE execution_tasks DROP COLUMN IF EXISTS ai_model");
    const droppedAt = Date.now();
    // The burst of errors triggers a report from the workers' step; if none came, write one.
    if (!(await later(reportWithinMs))) return repair();
    const { rows: closed } = await deps.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM execution_gates WHERE cause = 'fsar:steward'",
    );
    if (closed[0]!.n === 0) await writeReport(deps, { trigger: faultTrigger });
    await later(Math.max(0, repairAfterMs - (Date.now() - droppedAt)));
    await repair();
  };
  // The repair runs even when stopping, so that the demo never leaves its database broken.
  const repair = async () => {
    const fix = await fixSchema(deps);
    if (fix.error) throw new Error(`the doctor could not repair the demo's drift: ${fix.error}`);
    await runBackfill(deps.db, findBackfill("ai-model-from-attempts"), {});
    const { report } = await writeReport(deps, { trigger: repairTrigger });
    deps.logger.info(
      { report: report.id },
      `demo: steward doctor --fix restored execution_tasks.ai_model; report ${report.id} no longer finds the drift${report.block_execution ? "" : ", and the execution gate is open again"}`,
    );
  };
  const running = story().catch((error) => deps.logger.warn({ err: error }, "demo: the FSAR story failed"));
  return {
    told: running,
    async stop() {
      stopped = true;
      for (const [timer, resolve] of waits) {
        clearTimeout(timer);
        resolve(false);
      }
      waits.clear();
      await running;
    },
  };
}
