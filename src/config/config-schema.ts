import { z } from "zod";
import { databaseConfigSchema } from "../db/database-config.ts";
import { fsarConfigSchema } from "../fsar/fsar-config.ts";
import { checkNarrativeConfig } from "../fsar/narrative.ts";
import {
  budgetSchema,
  modelConfigSchema,
  priceTableSchema,
  providerConfigSchema,
} from "../models/model-config.ts";
import { checkModelConfig } from "../models/model-registry.ts";
import { moneyConfigSchema } from "../money/money-config.ts";
import { stripeConfigSchema } from "../money/stripe-config.ts";
import { schedulerConfigSchema } from "../scheduler/scheduler-config.ts";
import { taskConfigSchema } from "../tasks/task-config.ts";
import { telemetryConfigSchema } from "../telemetry/telemetry-config.ts";
import { workerConfigSchema } from "../workers/worker-config.ts";

/**
 * Steward's configuration: one zod schema, parsed once at start.
 * Layers, later ones winning: defaults → steward.config.json|yaml → environment → flags.
 * Every object is strict: an unknown key is an error naming the key, its source and the allowed keys.
 * In zod 4, `.prefault({})` (not `.default({})`) makes an absent section take its inner defaults.
 * A domain's section is its own schema, in its own folder (db/database-config.ts,
 * tasks/task-config.ts, workers/worker-config.ts, models/model-config.ts, telemetry/telemetry-config.ts,
 * money/stripe-config.ts), so that the domain imports only its section.
 */
export const configSchema = z
  .strictObject({
    database: databaseConfigSchema,
    http: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65_535).default(4100),
      })
      .prefault({}),
    tasks: taskConfigSchema,
    workers: workerConfigSchema,
    demo: z
      .strictObject({
        /**
         * The simulated demo workload of `steward start`. auto: on for the embedded database (the
         * newcomer's front door), off on PostgreSQL, where it would write simulated work into a
         * shared database.
         */
        enabled: z.union([z.boolean(), z.literal("auto")]).default("auto"),
        tasksPerSecond: z.number().min(0.1).max(1_000).default(3),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
        /** json: one JSON object a line (for log collectors); pretty: for people; auto: pretty on a terminal. */
        format: z.enum(["auto", "json", "pretty"]).default("auto"),
      })
      .prefault({}),
    /** Where models are served (src/models/model-config.ts). API keys come from the environment or a file. */
    providers: z.array(providerConfigSchema).default([]),
    /** The models tasks may be sent to. None by default: the demo brings its simulated pool. */
    models: z.array(modelConfigSchema).default([]),
    /** Versioned, dated price tables (newest in effect wins); a model may give its price inline. */
    prices: z.array(priceTableSchema).default([]),
    /** Spend caps for a provider's models together, or for an idea's tasks. */
    budgets: z.array(budgetSchema).default([]),
    /** Targets (SLOs) per stage and kind, and how often they are evaluated (src/telemetry/telemetry-config.ts). */
    telemetry: telemetryConfigSchema,
    /** Stripe: the webhook's signing secrets and tolerance (src/money/stripe-config.ts). */
    stripe: stripeConfigSchema,
    /** Money: the reporting currency and the rates converted totals use (src/money/money-config.ts). */
    money: moneyConfigSchema,
    /** FSAR reports: their schedule, triggers and the rubric's overrides (src/fsar/fsar-config.ts). */
    fsar: fsarConfigSchema,
    /** The scheduler: what lateness is worth, globally, per kind and per idea (src/scheduler/scheduler-config.ts). */
    scheduler: schedulerConfigSchema,
  })
  // Cross-references: a model's provider and fallbacks exist, ids are unique, prices resolve.
  .superRefine((config, ctx) => {
    for (const problem of checkModelConfig(config)) ctx.addIssue({ code: "custom", ...problem });
    for (const problem of checkNarrativeConfig(config)) ctx.addIssue({ code: "custom", ...problem });
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** list: comma-separated, each item trimmed, empty items dropped. */
type EnvKind = "string" | "number" | "list";

/** Environment variables and the configuration key each sets. */
export const environmentVariables: Record<string, { path: string[]; kind: EnvKind }> = {
  STEWARD_DATABASE_URL: { path: ["database", "url"], kind: "string" },
  STEWARD_DATABASE_POOL_SIZE: { path: ["database", "poolSize"], kind: "number" },
  STEWARD_DATABASE_CONNECT_ATTEMPTS: { path: ["database", "connect", "attempts"], kind: "number" },
  STEWARD_HTTP_HOST: { path: ["http", "host"], kind: "string" },
  STEWARD_HTTP_PORT: { path: ["http", "port"], kind: "number" },
  STEWARD_WORKERS_CONCURRENCY: { path: ["workers", "concurrency"], kind: "number" },
  STEWARD_WORKERS_SHUTDOWN_GRACE_MS: { path: ["workers", "shutdownGraceMs"], kind: "number" },
  STEWARD_LOG_LEVEL: { path: ["log", "level"], kind: "string" },
  STEWARD_LOG_FORMAT: { path: ["log", "format"], kind: "string" },
  STEWARD_STRIPE_WEBHOOK_SECRET: { path: ["stripe", "webhookSecrets"], kind: "list" },
};

/** Variables of other tools' naming that Steward reads too: Stripe's own name for its API key. */
export const externalEnvironmentVariables: Record<string, { path: string[] }> = {
  STRIPE_API_KEY: { path: ["stripe", "apiKey"] },
};

/** Variables that Steward reads but that are not configuration keys. */
export const otherEnvironmentVariables = ["STEWARD_CONFIG", "STEWARD_DEBUG"];
