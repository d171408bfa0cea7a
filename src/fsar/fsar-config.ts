import { Cron } from "croner";
import { z } from "zod";
import { findingCodes } from "./rubric.ts";

/** How far back the assessors look (as `steward stats --since` takes it). */
export const assessmentWindows = ["15m", "30m", "1h", "6h", "1d"] as const;

const cronSchema = z.string().superRefine((expression, ctx) => {
  try {
    new Cron(expression, { paused: true }).stop();
  } catch (error) {
    ctx.addIssue({
      code: "custom",
      message: `is not a cron expression (${(error as Error).message}); write five fields, e.g. "*/30 * * * *" for every half hour`,
    });
  }
});

const rubricEntrySchema = z.strictObject({
  /** The severity this code's findings get, replacing what the assessor graded (1–10). */
  severity: z.number().int().min(1).max(10).optional(),
  /** Whether this code's findings close the execution gate. */
  blocking: z.boolean().optional(),
});

/**
 * The `fsar` section of the configuration (composed by src/config/config-schema.ts): when reports
 * are written, what triggers one, and the rubric's overrides. docs/fsar.md.
 */
export const fsarConfigSchema = z
  .strictObject({
    /** Reports on a schedule (cron, five fields); null: none, only on demand and when triggered. */
    schedule: cronSchema.nullable().default("*/30 * * * *"),
    /** The time zone the schedule reads in (IANA name); the machine's when absent. */
    timezone: z.string().min(1).optional(),
    /** How far back the assessors measure. */
    window: z.enum(assessmentWindows).default("1h"),
    triggers: z
      .strictObject({
        /** A report when this many errors of one SQLSTATE were seen within five minutes; 0: never. */
        databaseErrorBurst: z.number().int().min(0).default(20),
        /** A report when an alert opens on a leading indicator. */
        alerts: z.boolean().default(true),
        /** At most one triggered report within this many seconds: a storm makes one report. */
        minIntervalSeconds: z.number().int().min(1).max(86_400).default(600),
      })
      .prefault({}),
    /** Per finding code: its severity and whether it blocks, replacing the defaults of docs/fsar.md. */
    rubric: z
      .record(z.string(), rubricEntrySchema)
      .default({})
      .superRefine((rubric, ctx) => {
        for (const code of Object.keys(rubric))
          if (!(findingCodes as string[]).includes(code))
            ctx.addIssue({
              code: "custom",
              path: [code],
              message: `is not a finding code; the codes are ${findingCodes.join(", ")}`,
            });
      }),
    narrative: z
      .strictObject({
        /** A configured model that rewrites the proposal's narrative; null: Steward's own text. */
        model: z.string().min(1).nullable().default(null),
        timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
      })
      .prefault({}),
  })
  .prefault({});

export type FsarConfig = z.output<typeof fsarConfigSchema>;
