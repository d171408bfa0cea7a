import { z } from "zod";
import { stripeEventStatuses } from "../money/stripe-events.ts";
import type { StripeEventStatus } from "../money/stripe-processing.ts";
import { maxReplayBatch } from "../money/stripe-replay.ts";
import { storableText } from "../tasks/storable-text.ts";
import { indicatorNames } from "../telemetry/indicator-series.ts";
import { statsDimensions } from "../telemetry/task-measures.ts";
import { commaList } from "./task-api-schemas.ts";

/**
 * What the routes behind CLI commands accept (task changes by id, kinds, migrations, the
 * doctor, backfills). As in task-api-schemas.ts, the OpenAPI description is generated from
 * these same schemas.
 */

/** Most ids or kinds named in one request. */
export const maxNamedPerRequest = 10_000;

/** A JSON Lines file of tasks sent to POST /api/tasks/import (100,000 ordinary tasks are ≈5 MB). */
export const importBodyLimitBytes = 128 * 1024 * 1024;

const taskIds = z
  .array(z.number().int("must be a task id (a positive whole number)").min(1, "must be a task id (from 1)"))
  .min(1, "name at least one task")
  .max(maxNamedPerRequest, `at most ${maxNamedPerRequest} tasks in one request`);

const kindName = storableText(1, 64);

const reason = storableText(1, 500);

const attempts = z.number().int().min(1).max(100);

const wholeParameter = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));

export const cancelManyBodySchema = z.strictObject({ ids: taskIds, reason: reason.optional() });

export const retryManyBodySchema = z.strictObject({ ids: taskIds, attempts: attempts.optional() });

export const deadTasksQuerySchema = z.strictObject({
  kind: commaList(kindName),
  limit: wholeParameter(1, 500).optional(),
});

export const retryDeadBodySchema = z
  .strictObject({ kinds: z.array(kindName).max(100).optional(), attempts: attempts.optional() })
  .optional()
  .default({});

export const kindsBodySchema = z.strictObject({
  kinds: z.array(kindName).min(1, "name at least one kind").max(100),
  reason: reason.optional(),
});

export const resumeKindsBodySchema = z.strictObject({
  kinds: z.array(kindName).min(1, "name at least one kind").max(100),
});

export const importQuerySchema = z.strictObject({
  /** The file's name, for messages ("tasks.jsonl (3 tasks) was refused whole"). */
  name: storableText(1, 200).optional(),
});

const migrationVersion = z.number().int().min(0).max(9_999);

export const migrateBodySchema = z.strictObject({ to: migrationVersion.optional() }).optional().default({});

export const planQuerySchema = z.strictObject({
  direction: z.enum(["up", "down"]).optional(),
  to: wholeParameter(0, 9_999).optional(),
});

export const repairBodySchema = z
  .strictObject({ versions: z.array(migrationVersion).min(1).max(9_999).optional() })
  .optional()
  .default({});

export const backfillParamsSchema = z.strictObject({ name: storableText(1, 100) });

export const backfillBodySchema = z
  .strictObject({
    batchSize: z.number().int().min(1).max(100_000).optional(),
    restart: z.boolean().optional(),
  })
  .optional()
  .default({});

/** `GET /api/stats`: a window (since/until as `steward stats` takes them), a grouping, filters. */
export const statsQuerySchema = z
  .object({
    since: storableText(1, 40).optional(),
    until: storableText(1, 40).optional(),
    by: z.enum(statsDimensions).optional(),
    stage: commaList(storableText(1, 100)),
    kind: commaList(kindName),
    model: commaList(storableText(1, 200)),
  })
  .strict();

/** `GET /api/indicators`: the leading indicators' series over a window. */
export const indicatorsQuerySchema = z
  .object({
    since: storableText(1, 40).optional(),
    until: storableText(1, 40).optional(),
    indicator: commaList(z.enum(indicatorNames)),
  })
  .strict();

/** `GET /api/alerts`: alerts on trend change, newest first. */
export const alertsQuerySchema = z
  .object({
    open: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,3}$/, "must be a whole number from 1 to 9999")
      .transform(Number)
      .optional(),
  })
  .strict();

/** `GET /api/targets/breaches`: open (true) or resolved (false) only, active since a time, at most limit. */
export const breachesQuerySchema = z.strictObject({
  open: z
    .enum(["true", "false"], { message: "must be true or false" })
    .transform((value) => value === "true")
    .optional(),
  since: storableText(1, 40).optional(),
  limit: wholeParameter(1, 1_000).optional(),
});

/** `GET /api/stripe/events`: the inbox's events, by state and type. */
export const stripeEventsQuerySchema = z.strictObject({
  status: z.enum(stripeEventStatuses as [StripeEventStatus, ...StripeEventStatus[]]).optional(),
  type: storableText(1, 100).optional(),
  limit: wholeParameter(1, 1_000).optional(),
});

/** `GET /api/money/ledger`: entries since a time, of one idea (or `unattributed`), of a mode. */
export const ledgerQuerySchema = z.strictObject({
  since: storableText(1, 40).optional(),
  idea: storableText(1, 200).optional(),
  mode: z.enum(["live", "test", "all"]).optional(),
  limit: wholeParameter(1, 100_000).optional(),
});

/** `POST /api/stripe/replay`: events an operator vouches for, a batch at a time. */
export const replayBodySchema = z.strictObject({
  events: z
    .array(z.unknown())
    .min(1, "send at least one event")
    .max(maxReplayBatch, `at most ${maxReplayBatch} events in one request`),
  process: z.boolean().optional(),
});

/** A replay batch: up to 500 events of at most 1 MiB each (Stripe's are a few kB). */
export const replayBodyLimitBytes = 64 * 1024 * 1024;

/** `POST /api/expenses`: expenses to add, all or nothing (each checked by money/expenses.ts). */
export const expensesBodySchema = z.strictObject({
  expenses: z
    .array(z.unknown())
    .min(1, "send at least one expense")
    .max(10_000, "at most 10000 expenses in one request"),
});

/** `POST /api/expenses/remove`: expenses by id. */
export const removeExpensesBodySchema = z.strictObject({
  ids: z
    .array(
      z
        .number()
        .int("must be an expense id (a positive whole number)")
        .min(1, "must be an expense id (from 1)"),
    )
    .min(1, "name at least one expense")
    .max(maxNamedPerRequest, `at most ${maxNamedPerRequest} expenses in one request`),
});

/** `POST /api/expenses/import`: a CSV body; bad rows skipped only when asked. */
export const importExpensesQuerySchema = z.strictObject({
  skipBadRows: z
    .enum(["true", "false"], { message: "must be true or false" })
    .transform((v) => v === "true")
    .optional(),
});

/** `GET /api/money/roi`: ROI by idea, stream or model over a period, and the period's metrics. */
export const roiQuerySchema = z.strictObject({
  by: z.enum(["idea", "stream", "model"]).optional(),
  since: storableText(1, 40).optional(),
  until: storableText(1, 40).optional(),
  mode: z.enum(["live", "test", "all"]).optional(),
});

/** `GET /api/money/series`: the ledger by day over a period. */
export const moneySeriesQuerySchema = z.strictObject({
  since: storableText(1, 40).optional(),
  until: storableText(1, 40).optional(),
  mode: z.enum(["live", "test", "all"]).optional(),
});

/** `POST /api/stripe/import`: the next page of past events, with the CLI's Stripe API access. */
export const stripeImportBodySchema = z.strictObject({
  apiKey: z.string().min(1).max(500).optional(),
  apiKeyFile: z.string().min(1).max(4096).optional(),
  api: z
    .strictObject({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65_535).optional(),
      protocol: z.enum(["http", "https"]).default("https"),
    })
    .optional(),
  since: storableText(1, 40).optional(),
  process: z.boolean().optional(),
});

/** `POST /api/stripe/events/reprocess`: failed events, named or all, processed again now. */
export const reprocessBodySchema = z
  .strictObject({
    ids: z.array(storableText(1, 255)).min(1, "name at least one event").max(maxNamedPerRequest).optional(),
    allFailed: z.literal(true).optional(),
  })
  .refine((b) => (b.ids === undefined) !== (b.allFailed === undefined), {
    message: "name the events (ids) or ask for every failed one (allFailed: true), one of them",
  });

/** An FSAR report's id, as Steward writes them (`fsar_` and a UUID). */
const reportId = z.string().regex(/^fsar_[0-9a-fA-F-]{36}$/, "must be a report id: fsar_ and a UUID");

export const fsarIdParamsSchema = z.strictObject({ report: reportId });

export const fsarListQuerySchema = z.strictObject({
  limit: wholeParameter(1, 1_000).optional(),
  source: storableText(1, 80).optional(),
});

export const fsarShowQuerySchema = z.strictObject({ format: z.enum(["json", "markdown"]).default("json") });

export const fsarImportQuerySchema = z.strictObject({
  source: z
    .string()
    .regex(
      /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/,
      "must be a name of letters, digits, '.', '_' or '-' (at most 64)",
    )
    .default("agent"),
});

/** A report sent to POST /api/fsar: Markdown in the seed's layout, or its JSON. */
export const fsarImportBodyLimitBytes = 1024 * 1024;

export const fsarPlanBodySchema = z.strictObject({ enqueue: z.boolean().default(false) });

export const fsarFindingsQuerySchema = z.strictObject({
  status: z.enum(["open", "resolved"]).optional(),
  source: storableText(1, 80).optional(),
  limit: wholeParameter(1, 1_000).optional(),
});

export const fsarResolveBodySchema = z.strictObject({ key: storableText(1, 500), reason: reason.optional() });

/** Opening or closing the gate by hand always says why. */
export const gateChangeBodySchema = z.strictObject({
  reason: z
    .string({ error: "is required: say why the gate changes" })
    .trim()
    .min(1, "is required: say why the gate changes")
    .max(500)
    .pipe(storableText(1, 500)),
  kinds: z.array(kindName).max(100).default([]),
});

export const operatorActionsQuerySchema = z.strictObject({ limit: wholeParameter(1, 1_000).optional() });
