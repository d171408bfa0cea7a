import type { Logger } from "pino";
import type { Config } from "../config/config-schema.ts";
import { openDatabase } from "../db/open-database.ts";
import { withDemoFsar } from "../demo/demo-fsar.ts";
import { demoIsOn, demoModelSettings } from "../demo/demo-models.ts";
import { withDemoMoney } from "../demo/demo-stripe.ts";
import { withDemoTelemetry } from "../demo/demo-telemetry.ts";
import { loadMigrations } from "../migrate/migration-files.ts";
import { migrateUp } from "../migrate/migrator.ts";
import type { ModelSettings } from "../models/model-registry.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";
import { createDeps } from "./create-deps.ts";
import type { Deps } from "./deps.ts";
import { createLogger } from "./logger.ts";

/**
 * The models this process knows: the configured ones; or, when none is configured and the demo
 * is on (by default on the embedded database), the demo's simulated pool, so that the demo and
 * the `llm` kind work on a laptop with nothing to set up. Every process opened on the same
 * database and configuration knows the same models.
 */
export function modelSettings(config: Config, databaseKind: "pglite" | "postgres"): ModelSettings {
  return usesDemoPool(config, databaseKind) ? demoModelSettings : config;
}

function usesDemoPool(config: Config, databaseKind: "pglite" | "postgres"): boolean {
  return config.models.length === 0 && demoIsOn(config.demo.enabled, databaseKind);
}

/**
 * The configuration this process runs with: the demo's pool brings its telemetry (targets and
 * quick alerts, src/demo/demo-telemetry.ts) where the configuration sets none, so that its
 * drifting model shows as a breach and an alert within minutes; and, when no Stripe webhook
 * secret is configured, its own (src/demo/demo-stripe.ts), so that it can send its test-mode
 * Stripe events through the webhook, counted with live money.
 */
export function effectiveConfig(config: Config, databaseKind: "pglite" | "postgres"): Config {
  return usesDemoPool(config, databaseKind) ? withDemoFsar(withDemoMoney(withDemoTelemetry(config))) : config;
}

export interface StewardHandle extends Deps {
  close(): Promise<void>;
}

/**
 * Opens Steward's engine: the database (retried while unreachable), the migrations shipped
 * with this version, and the shared services. With `migrate: true`, pending migrations are
 * applied first (under the migration lock, so several processes may start at once).
 */
export async function openSteward(options: {
  config: Config;
  logger?: Logger;
  migrate?: boolean;
  cwd?: string;
  /** Task kinds this process knows (default: the built-in ones). */
  kinds?: TaskKind[];
  /** Whether an embedded database may be made where none is (default true). */
  create?: boolean;
  /** The command opening it, recorded in an embedded folder's lock. */
  command?: string;
}): Promise<StewardHandle> {
  const logger = options.logger ?? createLogger(options.config.log);
  const migrations = loadMigrations();
  const db = await openDatabase({
    config: options.config.database,
    logger,
    cwd: options.cwd,
    create: options.create,
    command: options.command,
  });
  try {
    if (options.migrate) {
      const run = await migrateUp(db, migrations);
      for (const step of run.steps.filter((s) => s.status === "done")) {
        logger.info({ migration: step.name, ms: step.ms }, `applied migration ${step.name}`);
      }
      if (run.error) throw run.error;
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const deps = createDeps({
    config: effectiveConfig(options.config, db.kind),
    db,
    logger,
    migrations,
    kinds: options.kinds,
    models: modelSettings(options.config, db.kind),
  });
  return { ...deps, close: () => db.close() };
}
