import type { Command } from "commander";
import { openSteward, type StewardHandle } from "../app/open-steward.ts";
import type { Config } from "../config/config-schema.ts";
import { type LoadedConfig, loadConfig } from "../config/load-config.ts";
import { redactDatabaseUrl } from "../db/database-url.ts";
import { isStewardError, StewardError } from "../errors.ts";
import { type ConnectOptions, connect, explainMissing } from "./connect.ts";
import { exitCodeFor, exitCodes } from "./exit-codes.ts";
import { knownKinds } from "./known-kinds.ts";
import type { StewardClient } from "./steward-client.ts";

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  database?: string;
  config?: string;
  json?: boolean;
  wide?: boolean;
  logLevel?: string;
}

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
  /** Columns tables must fit in (a terminal's width); undefined: no limit (a pipe, a file). */
  width?: number;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  isTty: Boolean(process.stderr.isTTY),
  width: process.stdout.isTTY ? process.stdout.columns : undefined,
};

/** The width tables are cut to: the terminal's, unless `--wide` asks for every cell whole. */
export function tableWidth(io: CommandIo, options: GlobalOptions): number | undefined {
  return options.wide ? undefined : io.width;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** Configuration from defaults → file → environment → the flags of this command line. */
export function configFromFlags(options: GlobalOptions, extra: Record<string, unknown> = {}): Config {
  return loadFromFlags(options, extra).config;
}

/** The configuration with where it came from: the file read and the project's folder. */
export function loadFromFlags(options: GlobalOptions, extra: Record<string, unknown> = {}): LoadedConfig {
  const flags: Record<string, unknown> = { ...extra };
  if (options.database !== undefined)
    flags.database = { ...(flags.database as object), url: options.database };
  if (options.logLevel !== undefined) flags.log = { level: options.logLevel };
  return loadConfig({ file: options.config, flags });
}

/** Commands log only warnings unless a level is asked for: their output is the point. */
function commandLogLevel(options: GlobalOptions, config: Config): string {
  const quiet = options.logLevel === undefined && process.env.STEWARD_LOG_LEVEL === undefined;
  return quiet ? "warn" : config.log.level;
}

/**
 * Runs one command against its database, through a running `steward start` when one holds the
 * embedded database (see connect.ts), and closes what it opened, whatever happens. An error
 * thrown once the database is known carries its description, so that every error says which
 * database was used.
 */
export async function withClient<T>(
  options: GlobalOptions,
  open: Omit<ConnectOptions, "logLevel">,
  fn: (client: StewardClient) => Promise<T>,
): Promise<T> {
  const loaded = loadFromFlags(options);
  const client = await connect(loaded, { ...open, logLevel: commandLogLevel(options, loaded.config) }).catch(
    (error: unknown) => {
      noteDatabase(error, databaseOf(loaded.config, error));
      throw error;
    },
  );
  try {
    return await fn(client);
  } catch (error) {
    noteDatabase(error, describeClient(client));
    throw error;
  } finally {
    await client.close();
  }
}

/** "pglite:/…/db", or "pglite:/…/db, through steward start (process 12) at http://…". */
export function describeClient(client: StewardClient): string {
  return client.via
    ? `${client.database}, through steward start (process ${client.via.pid}) at ${client.via.url}`
    : client.database;
}

const errorDatabases = new WeakMap<object, string>();

function noteDatabase(error: unknown, database: string): void {
  if (typeof error === "object" && error !== null && !errorDatabases.has(error))
    errorDatabases.set(error, database);
}

function databaseOf(config: Config, error: unknown): string {
  const named = isStewardError(error) ? error.details.database : undefined;
  if (typeof named === "string") return named;
  try {
    return redactDatabaseUrl(config.database.url);
  } catch {
    return "(not usable)";
  }
}

/** Opens the engine for one command and closes it afterwards, whatever happens. */
export async function withSteward<T>(
  options: GlobalOptions,
  fn: (steward: StewardHandle) => Promise<T>,
  open: { extra?: Record<string, unknown>; command?: string } = {},
): Promise<T> {
  const loaded = loadFromFlags(options, open.extra);
  const { config } = loaded;
  const steward = await openSteward({
    config: {
      ...config,
      log: { ...config.log, level: commandLogLevel(options, config) as Config["log"]["level"] },
    },
    kinds: knownKinds,
    command: open.command,
    create: false,
  }).catch((error: unknown) => {
    const explained = isStewardError(error, "database_missing") ? explainMissing(loaded, error) : error;
    noteDatabase(explained, databaseOf(config, explained));
    throw explained;
  });
  try {
    return await fn(steward);
  } catch (error) {
    noteDatabase(error, steward.db.description);
    throw error;
  } finally {
    await steward.close();
  }
}

/**
 * Prints what went wrong, without a stack trace (unless STEWARD_DEBUG is set), and returns the
 * exit status (exit-codes.ts). With --json the error has the HTTP API's shape and codes.
 */
export function reportFailure(error: unknown, io: CommandIo, json: boolean): number {
  const database = typeof error === "object" && error !== null ? errorDatabases.get(error) : undefined;
  const known = error instanceof StewardError;
  const code = known ? error.code : "internal_error";
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    const details = known && Object.keys(error.details).length > 0 ? error.details : undefined;
    io.out(JSON.stringify({ error: { code, message, details, database } }));
  } else {
    const debug = process.env.STEWARD_DEBUG && error instanceof Error ? `\n${error.stack}` : "";
    io.err(`steward: ${message}${database ? `\n  (database: ${database})` : ""}${debug}`);
  }
  return known ? exitCodeFor(error.code) : exitCodes.internal;
}
