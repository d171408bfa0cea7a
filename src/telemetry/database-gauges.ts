import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { Queryable } from "../db/database.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { modelsInFlight } from "../models/model-world.ts";
import { queueDepth } from "../tasks/query-tasks.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";
import type { LabelLimits } from "./label-limits.ts";

export interface DatabaseGaugeDeps {
  db: Queryable;
  kinds: TaskKindRegistry;
  models: ModelRegistry;
  logger: Logger;
}

/**
 * A scrape waits this long for the database at most: below Prometheus's default scrape timeout
 * (10 s), so that a database that hangs still lets the process metrics through.
 */
export const databaseScrapeTimeoutMs = 5_000;

const liveStatuses = ["blocked", "queued", "running"] as const;

/**
 * The gauges read from the database at scrape time, not counted in this process: on PostgreSQL
 * with several processes, any one of them reports the whole queue and every model's requests in
 * flight. A read that fails (or takes longer than databaseScrapeTimeoutMs) leaves its gauge empty
 * for that scrape, and the scrape still answers; the failure is logged once, until a read succeeds.
 */
export function registerDatabaseGauges(
  register: Registry,
  deps: DatabaseGaugeDeps,
  labels: LabelLimits,
): void {
  const read = onceLoggedReader(deps.logger);

  const depth: Gauge<"kind" | "status"> = new Gauge({
    name: "steward_queue_depth",
    help: "Tasks blocked, queued and running now, by kind and status (from the database: every process alike).",
    labelNames: ["kind", "status"],
    registers: [register],
    async collect() {
      const rows = await read("queue depth", () => queueDepth(deps.db, { live: true }));
      depth.reset();
      if (rows === null) return;
      // Zeros for the kinds this process knows, so that an empty queue is a 0, not a missing series.
      for (const kind of deps.kinds.names())
        for (const status of liveStatuses) depth.set({ kind: labels.value("kind", kind), status }, 0);
      for (const row of rows)
        depth.inc({ kind: labels.value("kind", row.kind), status: row.status }, row.count);
    },
  });

  const inFlight: Gauge<"model"> = new Gauge({
    name: "steward_model_in_flight",
    help: "Requests running now on each model (running tasks with a model, from the database: every process alike).",
    labelNames: ["model"],
    registers: [register],
    async collect() {
      const counts = await read("model requests in flight", () => modelsInFlight(deps.db));
      inFlight.reset();
      if (counts === null) return;
      for (const model of deps.models.all()) inFlight.set({ model: labels.model(model.config.id) }, 0);
      for (const [model, n] of Object.entries(counts)) inFlight.inc({ model: labels.model(model) }, n);
    },
  });
}

/** Runs a read for a scrape: its value, or null when it failed (logged once until one succeeds). */
function onceLoggedReader(logger: Logger) {
  let failing = false;
  return async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      const value = await withTimeout(fn(), databaseScrapeTimeoutMs, what);
      failing = false;
      return value;
    } catch (error) {
      if (!failing)
        logger.error(
          { err: error },
          `GET /metrics: reading the ${what} from the database failed; its gauges are left out until a read succeeds (logged once)`,
        );
      failing = true;
      return null;
    }
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`reading the ${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
