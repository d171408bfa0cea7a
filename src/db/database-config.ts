import { z } from "zod";

/** The `database` section of the configuration (composed by src/config/config-schema.ts). */
export const databaseConfigSchema = z
  .strictObject({
    /** `postgres://…`, `pglite:<folder>` (embedded, on disk) or `pglite:memory`. */
    url: z.string().min(1).default("pglite:./.steward/db"),
    /** Connections in the pool (PostgreSQL only; PGlite has one). */
    poolSize: z.number().int().min(1).max(500).default(10),
    connect: z
      .strictObject({
        /** Attempts before giving up on an unreachable database. */
        attempts: z.number().int().min(1).max(100).default(6),
        initialDelayMs: z.number().int().min(1).max(60_000).default(250),
        maxDelayMs: z.number().int().min(1).max(300_000).default(5_000),
      })
      .prefault({}),
  })
  .prefault({});

export type DatabaseConfig = z.infer<typeof databaseConfigSchema>;
