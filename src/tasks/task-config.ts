import { z } from "zod";

/** The `tasks` section of the configuration (composed by src/config/config-schema.ts). */
export const taskConfigSchema = z
  .strictObject({
    /** Urgency is a head start in the queue: each point counts as this many seconds of waiting. */
    urgencyStepSeconds: z.number().int().min(0).max(86_400).default(60),
    /** Largest payload accepted, in bytes of JSON. */
    maxPayloadBytes: z.number().int().min(1_024).max(16_777_216).default(262_144),
    defaultMaxAttempts: z.number().int().min(1).max(100).default(3),
    /** Per-attempt time limit for tasks and kinds that set none (0: no limit). */
    defaultTimeoutMs: z.number().int().min(0).max(86_400_000).default(600_000),
    retry: z
      .strictObject({
        /** Delay before the second attempt; doubles each time, with jitter, up to maxDelayMs. */
        baseDelayMs: z.number().int().min(0).max(3_600_000).default(1_000),
        maxDelayMs: z.number().int().min(0).max(86_400_000).default(300_000),
      })
      .prefault({}),
  })
  .prefault({});

export type TaskConfig = z.infer<typeof taskConfigSchema>;
