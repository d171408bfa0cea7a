import { openSteward } from "../app/open-steward.ts";
import type { LoadedConfig } from "../config/load-config.ts";
import { type LockHolder, readDataFolderLock } from "../db/data-folder-lock.ts";
import { parseDatabaseUrl } from "../db/database-url.ts";
import { isStewardError, StewardError } from "../errors.ts";
import { loadMigrations } from "../migrate/migration-files.ts";
import { migrationStatus } from "../migrate/migrator.ts";
import { knownKinds } from "./known-kinds.ts";
import { remoteClient } from "./remote-client.ts";
import { localClient, type StewardClient } from "./steward-client.ts";

export interface ConnectOptions {
  /** The command, as a person typed it ("task ls"): recorded in the embedded folder's lock. */
  command: string;
  /** Whether the command may make a database where none is (`migrate up`); reading ones never do. */
  create?: boolean;
  /** Whether the command needs Steward's tables (every task and model command does). */
  needsSchema?: boolean;
  /** Log level for this process (commands print results; logs only warnings unless asked). */
  logLevel: string;
}

/** How long a command waits for a `steward start` that holds the folder to begin answering. */
const startupWaitMs = 30_000;
/** How long it waits for another short command to let go of the folder. */
const commandWaitMs = 10_000;

/**
 * Opens what a command talks to. An embedded database held by a running `steward start` is
 * reached through that process's API (its lock records where it listens); otherwise the
 * database is opened here. A command that only reads never creates a database: a folder
 * without one is an error that says where Steward looked.
 */
export async function connect(loaded: LoadedConfig, options: ConnectOptions): Promise<StewardClient> {
  const { config } = loaded;
  const target = parseDatabaseUrl(config.database.url);
  if (target.kind === "pglite" && target.dataDir !== null) {
    const holder = await waitForHolder(target.dataDir);
    if (holder?.server)
      return remoteClient({ ...holder.server, pid: holder.pid, database: `pglite:${target.dataDir}` });
  }
  let steward: Awaited<ReturnType<typeof openSteward>>;
  try {
    steward = await openSteward({
      config: { ...config, log: { ...config.log, level: options.logLevel as typeof config.log.level } },
      kinds: knownKinds,
      create: options.create ?? false,
      command: options.command,
    });
  } catch (error) {
    if (isStewardError(error, "database_missing")) throw explainMissing(loaded, error);
    throw error;
  }
  if (options.needsSchema) {
    const applied = await appliedMigrations(steward.db).catch(async (error) => {
      await steward.close();
      throw error;
    });
    if (applied === 0) {
      await steward.close();
      throw new StewardError(
        "migrations_pending",
        `${steward.db.description} has no Steward tables yet (no migration applied). Run \`steward migrate up\` (or \`steward start\`, which migrates) first.`,
        { details: { database: steward.db.description } },
      );
    }
  }
  return localClient(steward);
}

/**
 * The live process that holds the folder, once it is usable: a `steward start` still starting
 * is waited for until it listens; another command is waited for until it lets go.
 */
async function waitForHolder(dataDir: string): Promise<LockHolder | null> {
  const started = Date.now();
  for (;;) {
    const holder = readDataFolderLock(dataDir);
    if (holder === null || holder.pid === process.pid || holder.server) return holder;
    const limit = holder.command === "start" ? startupWaitMs : commandWaitMs;
    // An older lock names no command: it could be anything; opening will say who holds it.
    if (holder.command === undefined || Date.now() - started > limit) return holder;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function appliedMigrations(db: Parameters<typeof migrationStatus>[0]): Promise<number> {
  return (await migrationStatus(db, loadMigrations())).applied;
}

/** An embedded folder without a database, said with where Steward looked and how to make one. */
export function explainMissing(loaded: LoadedConfig, error: StewardError): StewardError {
  if (typeof error.details.dataDir !== "string") return error; // PostgreSQL's own "does not exist"
  const dataDir = error.details.dataDir;
  const where = loaded.project.found
    ? `the project in ${loaded.project.root}${loaded.file ? ` (configured by ${loaded.file})` : ""} has none there yet`
    : `no folder from ${loaded.project.root} upwards holds a steward.config.* file or a .steward folder`;
  return new StewardError(
    "database_missing",
    `There is no Steward database in ${dataDir}: ${where}. Run \`steward start\` (or \`steward migrate up\`) in your project's folder to make one, or name one with --database pglite:<folder>, --database postgres://… or STEWARD_DATABASE_URL.`,
    { details: { database: `pglite:${dataDir}`, projectFolder: loaded.project.root } },
  );
}
