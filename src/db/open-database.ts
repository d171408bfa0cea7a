import type { Logger } from "pino";
import { StewardError, sqlState } from "../errors.ts";
import type { Database } from "./database.ts";
import type { DatabaseConfig } from "./database-config.ts";
import { parseDatabaseUrl, redactDatabaseUrl } from "./database-url.ts";
import { PgliteDatabase } from "./pglite-database.ts";
import { PostgresDatabase } from "./postgres-database.ts";

export interface OpenDatabaseOptions {
  config: DatabaseConfig;
  logger?: Logger;
  applicationName?: string;
  cwd?: string;
  /** Whether an embedded database may be made where none is (default true; see PgliteDatabase.open). */
  create?: boolean;
  /** The command opening it, recorded in an embedded folder's lock so that others can name it. */
  command?: string;
  /** Waits between connection attempts; injectable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Opens the configured database and checks that it answers. An unreachable PostgreSQL is
 * retried with exponential backoff (config.connect); after the last attempt this throws
 * `database_unreachable`, which the CLI turns into a non-zero exit.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { config, logger } = options;
  const target = parseDatabaseUrl(config.url, options.cwd);
  if (target.kind === "pglite") {
    try {
      return await PgliteDatabase.open(target.dataDir, { create: options.create, command: options.command });
    } catch (error) {
      if (error instanceof StewardError) throw error;
      throw new StewardError(
        "database_unreachable",
        `Could not open the embedded database at ${target.dataDir}: ${(error as Error).message}.`,
        { cause: error },
      );
    }
  }

  const description = redactDatabaseUrl(target.url);
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const { attempts, initialDelayMs, maxDelayMs } = config.connect;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const db = new PostgresDatabase({
      url: target.url,
      description,
      poolSize: config.poolSize,
      applicationName: options.applicationName ?? "steward",
    });
    try {
      await db.query("SELECT 1");
      return db;
    } catch (error) {
      lastError = error;
      await db.close().catch(() => {});
      const refusal = refusedForGood(error, description);
      if (refusal) throw refusal;
      if (attempt === attempts) break;
      const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
      logger?.warn(
        { database: description, attempt, attempts, retryInMs: delay, reason: describe(error) },
        `database unreachable (${describe(error)}); retrying in ${delay} ms (attempt ${attempt} of ${attempts})`,
      );
      await sleep(delay);
    }
  }
  throw new StewardError(
    "database_unreachable",
    `Database ${description} is unreachable after ${attempts} attempts: ${describe(lastError)}. Check that the server runs and that STEWARD_DATABASE_URL (or --database) is right.`,
    { details: { database: description, attempts }, cause: lastError },
  );
}

/**
 * A server that answers but refuses (no such database, bad credentials) will refuse again:
 * retrying for eleven seconds and then calling it unreachable would mislead.
 */
function refusedForGood(error: unknown, description: string): StewardError | null {
  const state = sqlState(error);
  const name = safeDatabaseName(description);
  if (state === "3D000")
    return new StewardError(
      "database_missing",
      `Database ${description} does not exist on its server${name ? ` (create it, e.g. \`createdb ${name}\`, or correct the name)` : ""}; Steward creates the tables in it, not the database itself.`,
      { details: { database: description, sqlState: state }, cause: error },
    );
  if (state === "28P01" || state === "28000")
    return new StewardError(
      "database_unreachable",
      `Database ${description} refused the login (${state === "28P01" ? "wrong password" : "no access for this user from this host"}): ${describe(error)}. Check the user and password in STEWARD_DATABASE_URL (or --database).`,
      { details: { database: description, sqlState: state }, cause: error },
    );
  return null;
}

function safeDatabaseName(description: string): string | null {
  try {
    const name = decodeURIComponent(new URL(description).pathname.slice(1));
    return /^[A-Za-z0-9_-]+$/.test(name) ? name : null;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
