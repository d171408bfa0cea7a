import { Cron } from "croner";
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { flushDatabaseErrors, recentErrorBursts } from "./database-error-counts.ts";
import type { FsarConfig } from "./fsar-config.ts";
import { type FsarDeps, writeReport } from "./write-report.ts";

/** How often the workers' maintenance looks whether a report is due (and writes its errors). */
export const fsarStepEveryMs = 15_000;
/** A burst of database errors is counted over this long. */
const burstWindowMs = 5 * 60_000;
/** Database errors are kept this long. */
const errorRetentionDays = 7;

export interface DueFacts {
  now: Date;
  /** When the last scheduled report was written; null for none yet. */
  lastScheduled: Date | null;
  /** When the last triggered report was written. */
  lastTriggered: Date | null;
  /** When this process began looking (the schedule's first tick is after it when no report exists). */
  since: Date;
  /** Errors of each SQLSTATE over the last five minutes. */
  bursts: { sqlState: string; count: number }[];
  /** Alerts opened since the last report. */
  newAlerts: { indicator: string; message: string }[];
}

/**
 * Whether a report is due, and why: the schedule's next tick after the last scheduled report has
 * come; or a trigger fired (a burst of one SQLSTATE, an alert opened) and no triggered report was
 * written within `triggers.minIntervalSeconds`, so that a storm makes one report, not hundreds.
 * A pure function of the facts, so that the rate limit is tested without waiting.
 */
export function reportDue(config: FsarConfig, facts: DueFacts): string | null {
  if (config.schedule !== null) {
    const cron = new Cron(config.schedule, {
      paused: true,
      ...(config.timezone ? { timezone: config.timezone } : {}),
    });
    const next = cron.nextRun(facts.lastScheduled ?? facts.since);
    cron.stop();
    if (next !== null && next.getTime() <= facts.now.getTime()) return "schedule";
  }
  const quiet =
    facts.lastTriggered === null ||
    facts.now.getTime() - facts.lastTriggered.getTime() >= config.triggers.minIntervalSeconds * 1_000;
  if (!quiet) return null;
  const { databaseErrorBurst } = config.triggers;
  const burst = databaseErrorBurst > 0 ? facts.bursts.find((b) => b.count >= databaseErrorBurst) : undefined;
  if (burst) return `trigger: ${burst.count} database errors of SQLSTATE ${burst.sqlState} within 5 minutes`;
  if (config.triggers.alerts && facts.newAlerts.length > 0)
    return `trigger: alert opened: ${facts.newAlerts[0]!.message}`.slice(0, 300);
  return null;
}

/** The facts `reportDue` judges, read from the database. */
export async function dueFacts(db: Database, now: Date, since: Date): Promise<DueFacts> {
  const { rows } = await db.query<{ scheduled: Date | null; triggered: Date | null; last: Date | null }>(
    `SELECT max(created_at) FILTER (WHERE trigger = 'schedule') AS scheduled,
            max(created_at) FILTER (WHERE trigger LIKE 'trigger:%') AS triggered,
            max(created_at) AS last
       FROM fsar_reports WHERE source = 'steward'`,
  );
  const { scheduled, triggered, last } = rows[0] ?? { scheduled: null, triggered: null, last: null };
  const { rows: alerts } = await db.query<{ indicator: string; message: string }>(
    `SELECT indicator, message FROM telemetry_alerts
      WHERE status = 'open' AND opened_at > $1 ORDER BY opened_at LIMIT 5`,
    [last ?? since],
  );
  return {
    now,
    lastScheduled: scheduled,
    lastTriggered: triggered,
    since,
    bursts: await recentErrorBursts(db, new Date(now.getTime() - burstWindowMs)),
    newAlerts: alerts,
  };
}

/**
 * The workers' maintenance step: writes this process's database errors for the others to see,
 * and writes a report when one is due. On PostgreSQL one process at a time (a session advisory
 * lock, taken without waiting, and the due check made again under it), so that the workers of
 * several machines write one report per tick between them.
 */
export function fsarStep(deps: FsarDeps & { logger: Logger }) {
  const since = deps.clock.now();
  let lastPrune = 0;
  return {
    name: "fsar reports",
    everyMs: fsarStepEveryMs,
    run: async () => {
      await flushDatabaseErrors(deps.db);
      const now = deps.clock.now();
      if (now.getTime() - lastPrune > 3_600_000) {
        lastPrune = now.getTime();
        await deps.db.query(
          `DELETE FROM database_errors WHERE bucket < now() - interval '${errorRetentionDays} days'`,
        );
      }
      const due = reportDue(deps.fsar, await dueFacts(deps.db, now, since));
      if (due === null) return;
      if (deps.db.kind === "pglite") return writeDue(deps, due);
      await deps.db.withSession(async (session) => {
        const { rows } = await session.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_lock(hashtext('steward:fsar-report')) AS locked",
        );
        if (!rows[0]?.locked) return;
        try {
          const again = reportDue(deps.fsar, await dueFacts(deps.db, deps.clock.now(), since));
          if (again !== null) await writeDue(deps, again);
        } finally {
          await session.query("SELECT pg_advisory_unlock(hashtext('steward:fsar-report'))");
        }
      });
    },
  };
}

async function writeDue(deps: FsarDeps & { logger: Logger }, trigger: string): Promise<void> {
  const { report } = await writeReport(deps, { trigger });
  deps.logger.info(
    { report: report.id, severity: report.severity, findings: report.findings.length, trigger },
    `FSAR report ${report.id}: severity ${report.severity}, ${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}${report.block_execution ? ", execution blocked" : ""}`,
  );
}
