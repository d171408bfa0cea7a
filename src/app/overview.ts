import type { Queryable } from "../db/database.ts";
import { sqlState } from "../errors.ts";
import { getModelGlance, type ModelGlance } from "../models/model-status.ts";
import type { KindPause } from "../tasks/pause-kinds.ts";
import type { QueueDepth } from "../tasks/query-tasks.ts";
import type { TaskError } from "../tasks/task.ts";
import { getTaskStats } from "../tasks/task-stats.ts";
import { getWaitingTasks, type WaitingTasks } from "../tasks/waiting-tasks.ts";
import type { Deps } from "./deps.ts";

/**
 * Live work at a glance: what the dashboard's landing page shows. Each part is read on its own:
 * one that cannot be read (the database is away, or its schema has drifted) is null, and
 * `problems` says why, so that the rest still shows.
 */
export interface Overview {
  at: string;
  problems: string[];
  tasks: {
    running: number;
    queued: number;
    blocked: number;
    depth: QueueDepth[];
    paused: KindPause[];
  } | null;
  waiting: WaitingTasks | null;
  /** Failed tasks among the newest `window` tasks, and the newest of them. */
  failures: { window: number; count: number; newest: FailedTask[] } | null;
  models: {
    configured: number;
    available: number;
    /** Models with requests in flight, busiest first. */
    inUse: Pick<ModelGlance, "id" | "state" | "inFlight" | "concurrency" | "providerType">[];
    /** Enabled models that cannot take work now, and why (cooling down, budget spent, at a limit). */
    held: Pick<ModelGlance, "id" | "state" | "budgetExhausted" | "providerType">[];
  } | null;
}

export interface FailedTask {
  id: number;
  kind: string;
  stage: string;
  error: TaskError | null;
  attempts: number;
  finishedAt: string | null;
}

/** How far back failures are looked for: a bounded backward scan of the primary key. */
export const failureWindow = 10_000;
const newestFailures = 5;

export async function getOverview(
  deps: Pick<Deps, "db" | "kinds" | "models" | "clock" | "logger">,
): Promise<Overview> {
  const problems: string[] = [];
  const read = async <T>(what: string, part: Promise<T>): Promise<T | null> => {
    try {
      return await part;
    } catch (error) {
      // The driver's words may name hosts or users: they go to the log, a short reason to the page.
      deps.logger.warn({ err: error }, `overview: ${what} could not be read`);
      const code = sqlState(error);
      const part = `${what.charAt(0).toUpperCase()}${what.slice(1)}`;
      problems.push(
        code?.startsWith("42")
          ? `${part} could not be read: the schema differs from what Steward expects (SQLSTATE ${code}); \`steward doctor\` says how`
          : `${part} could not be read: the database did not answer (${code ?? (error as NodeJS.ErrnoException).code ?? "no error code"})`,
      );
      return null;
    }
  };
  const [stats, waiting, failures, models] = await Promise.all([
    read("the queue", getTaskStats(deps)),
    read("why tasks wait", getWaitingTasks(deps.db)),
    read("recent failures", recentFailures(deps.db)),
    read("the models", getModelGlance(deps.db, deps.models)),
  ]);
  const count = (depth: QueueDepth[], status: string) =>
    depth.filter((d) => d.status === status).reduce((sum, d) => sum + d.count, 0);
  return {
    at: deps.clock.now().toISOString(),
    problems,
    tasks:
      stats === null
        ? null
        : {
            running: count(stats.depth, "running"),
            queued: count(stats.depth, "queued"),
            blocked: count(stats.depth, "blocked"),
            depth: stats.depth,
            paused: stats.paused,
          },
    waiting,
    failures,
    models:
      models === null
        ? null
        : {
            configured: models.length,
            available: models.filter((m) => m.state === "available").length,
            inUse: models
              .filter((m) => m.inFlight > 0)
              .sort((a, b) => b.inFlight - a.inFlight || a.id.localeCompare(b.id))
              .map(({ id, state, inFlight, concurrency, providerType }) => ({
                id,
                state,
                inFlight,
                concurrency,
                providerType,
              })),
            held: models
              .filter((m) => m.enabled && m.state !== "available" && m.state !== "at concurrency limit")
              .map(({ id, state, budgetExhausted, providerType }) => ({
                id,
                state,
                budgetExhausted,
                providerType,
              })),
          },
  };
}

// There is no index on status for finished tasks (it would be the size of the table): the newest
// rows by id are read backwards from the primary key, at most failureWindow of them.
async function recentFailures(db: Queryable): Promise<Overview["failures"]> {
  const { rows } = await db.query<{
    id: number;
    kind: string;
    stage: string;
    error: TaskError | null;
    attempts: number;
    finished_at: Date | null;
    failed: number;
  }>(
    `WITH recent AS (SELECT id, kind, stage, status, error, attempts, finished_at FROM execution_tasks
                      ORDER BY id DESC LIMIT $1),
          failed AS (SELECT * FROM recent WHERE status = 'failed')
     SELECT f.id, f.kind, f.stage, f.error, f.attempts, f.finished_at, (SELECT count(*)::int FROM failed) AS failed
       FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM failed ORDER BY id DESC LIMIT $2) f ON true`,
    [failureWindow, newestFailures],
  );
  return {
    window: failureWindow,
    count: rows[0]?.failed ?? 0,
    newest: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        stage: r.stage,
        error: r.error,
        attempts: r.attempts,
        finishedAt: r.finished_at?.toISOString() ?? null,
      })),
  };
}
