import { z } from "zod";

/** The `workers` section of the configuration (composed by src/config/config-schema.ts). */
export const workerConfigSchema = z
  .strictObject({
    /** Whether `steward start` runs a worker pool in its own process. */
    embedded: z.boolean().default(true),
    /** Tasks run at once by one worker process. */
    concurrency: z.number().int().min(1).max(10_000).default(50),
    /** How long a claimed task stays a worker's without a heartbeat. */
    leaseMs: z.number().int().min(1_000).max(86_400_000).default(30_000),
    heartbeatMs: z.number().int().min(100).max(3_600_000).default(10_000),
    /** Fallback polling when no notification arrives (delayed tasks, retries, missed wakeups). */
    pollMs: z.number().int().min(10).max(600_000).default(1_000),
    /** How often expired leases and stuck dependencies are looked for. */
    maintenanceMs: z.number().int().min(100).max(3_600_000).default(5_000),
    /** On SIGTERM: how long running tasks may take to finish before they are handed back. */
    shutdownGraceMs: z.number().int().min(0).max(3_600_000).default(10_000),
  })
  .prefault({});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;
