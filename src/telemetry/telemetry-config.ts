import { z } from "zod";
import { alertSettingsSchema } from "./alerts.ts";

/** The windows a target may be held over: durations back from now, as `steward stats --since` takes them. */
export const targetWindows = ["5m", "15m", "30m", "1h", "6h", "1d", "7d", "30d"] as const;
export type TargetWindow = (typeof targetWindows)[number];

/**
 * The measures a target may set, each read from the rollups' Measures (task-measures.ts).
 * successRate is a floor; the others are ceilings.
 */
export const targetMeasures = [
  "avgDurationMs",
  "p95DurationMs",
  "successRate",
  "queueWaitP95Ms",
  "costPerSuccessUsd",
] as const;
export type TargetMeasure = (typeof targetMeasures)[number];

const ceiling = (what: string) => z.number().positive(`must be a ${what} above 0`).optional();

const targetSchema = z
  .strictObject({
    /** The stage and/or kind whose attempts the target covers; at least one. */
    stage: z.string().min(1).max(100).optional(),
    kind: z.string().min(1).max(100).optional(),
    window: z.enum(targetWindows).default("1h"),
    avgDurationMs: ceiling("duration in milliseconds"),
    p95DurationMs: ceiling("duration in milliseconds"),
    /** A floor: the share of attempts that ran to an end and succeeded, from 0 to 1. */
    successRate: z.number().min(0).max(1).optional(),
    queueWaitP95Ms: ceiling("duration in milliseconds"),
    costPerSuccessUsd: ceiling("cost in US dollars"),
  })
  .superRefine((target, ctx) => {
    if (target.stage === undefined && target.kind === undefined)
      ctx.addIssue({
        code: "custom",
        message:
          "names neither a stage nor a kind: a target covers a stage, a kind, or a kind within a stage",
      });
    if (targetMeasures.every((measure) => target[measure] === undefined))
      ctx.addIssue({
        code: "custom",
        message: `sets no measure: give at least one of ${targetMeasures.join(", ")}`,
      });
  });

export type Target = z.infer<typeof targetSchema>;

/**
 * The `telemetry` section of the configuration (composed by src/config/config-schema.ts): the
 * targets (SLOs) that `steward stats` holds measures against and whose breaches the workers record.
 */
export const telemetryConfigSchema = z
  .strictObject({
    targets: z.array(targetSchema).default([]),
    /** How often a worker's maintenance evaluates the targets (one process at a time on PostgreSQL). */
    evaluateEveryMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
    /** Alerts on trend change in the leading indicators (src/telemetry/alerts.ts). */
    alerts: alertSettingsSchema.prefault({}),
    /** Days the minute rollups are kept; hour and day rollups are kept for good. */
    minuteRollupDays: z.number().int().min(1).max(90).default(7),
  })
  .superRefine((section, ctx) => {
    // A breach is kept open per target and measure, and a target is known by what it covers.
    const seen = new Map<string, number>();
    section.targets.forEach((target, i) => {
      const key = JSON.stringify([target.stage ?? "", target.kind ?? "", target.window]);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        ctx.addIssue({
          code: "custom",
          path: ["targets", i],
          message: `covers the same stage, kind and window as telemetry.targets[${first}]: put their measures in one target`,
        });
    });
  })
  .prefault({});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
