import pino, { type Logger } from "pino";
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config/config-schema.ts";
import type { Database } from "../db/database.ts";
import { ExpectedSchemaCache } from "../doctor/expected-schema.ts";
import { selfImprovementTaskKind } from "../fsar/self-improvement-kind.ts";
import { loadMigrations, type Migration } from "../migrate/migration-files.ts";
import { ModelRegistry, type ModelSettings } from "../models/model-registry.ts";
import { stripeAccessOf } from "../money/stripe-api.ts";
import { stripeProcessKind } from "../money/stripe-kind.ts";
import { type TaskKind, TaskKindRegistry } from "../tasks/task-kinds.ts";
import { ProcessMetrics } from "../telemetry/process-metrics.ts";
import { builtInKinds } from "./built-in-kinds.ts";
import type { Deps } from "./deps.ts";

/**
 * The one way Deps is assembled (by openSteward, the tests and the benchmarks): what is not
 * given takes Steward's own: the migrations shipped, the built-in kinds (and always the money
 * domain's `stripe.process`), the configured models,
 * the system clock, a silent logger.
 */
export function createDeps(parts: {
  config: Config;
  db: Database;
  logger?: Logger;
  /** Task kinds this process knows (default: the built-in ones). */
  kinds?: TaskKind[];
  clock?: Clock;
  migrations?: Migration[];
  expectedSchema?: ExpectedSchemaCache;
  /** The models' settings (default: the configuration's providers, models, prices, budgets). */
  models?: ModelSettings;
}): Deps {
  const logger = parts.logger ?? pino({ level: "silent" });
  const kinds = new TaskKindRegistry(parts.kinds ?? builtInKinds);
  // Steward's own domains' kinds, whatever else this process runs: the Stripe inbox's processing.
  const processing = stripeProcessKind(parts.db, stripeAccessOf(parts.config.stripe));
  if (!kinds.get(processing.name)) kinds.register(processing);
  // And the tasks an FSAR plan enqueues, unless this process runs its own handler for them.
  if (!kinds.get(selfImprovementTaskKind.name)) kinds.register(selfImprovementTaskKind);
  const models = new ModelRegistry(parts.models ?? parts.config);
  return {
    config: parts.config,
    db: parts.db,
    logger,
    migrations: parts.migrations ?? loadMigrations(),
    expectedSchema: parts.expectedSchema ?? new ExpectedSchemaCache(),
    clock: parts.clock ?? systemClock,
    kinds,
    models,
    metrics: new ProcessMetrics({ db: parts.db, kinds, models, logger }),
  };
}
