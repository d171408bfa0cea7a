import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/config-schema.ts";
import type { Database } from "../db/database.ts";
import type { ExpectedSchemaCache } from "../doctor/expected-schema.ts";
import type { Migration } from "../migrate/migration-files.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";
import type { ProcessMetrics } from "../telemetry/process-metrics.ts";

/** What the engine's services need, passed in rather than held in module-level singletons. */
export interface Deps {
  config: Config;
  db: Database;
  logger: Logger;
  migrations: Migration[];
  /** The schema the applied migrations should produce, built once per set of migrations. */
  expectedSchema: ExpectedSchemaCache;
  clock: Clock;
  /** The task kinds this process knows (enqueue validates against them; workers run them). */
  kinds: TaskKindRegistry;
  /** The models tasks may run on (from the configuration's providers, models, prices, budgets). */
  models: ModelRegistry;
  /** This process's Prometheus metrics (GET /metrics); worker pools report into it once watched. */
  metrics: ProcessMetrics;
}

// The clock lives at the bottom, where every layer may import it; re-exported for the shells.
export { type Clock, systemClock } from "../clock.ts";
