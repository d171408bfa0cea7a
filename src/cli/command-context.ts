import type { Command } from "commander";
import { openSteward, type StewardHandle } from "../app/open-steward.ts";
import type { Config } from "../config/config-schema.ts";
import { loadConfig } from "../config/load-config.ts";
import { StewardError } from "../errors.ts";
import { knownKinds } from "./known-kinds.ts";

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  database?: string;
  config?: string;
  json?: boolean;
  logLevel?: string;
}

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  isTty: Boolean(process.stderr.isTTY),
};

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** Configuration from defaults → file → environment → the flags of this command line. */
export function configFromFlags(options: GlobalOptions, extra: Record<string, unknown> = {}): Config {
  const flags: Record<string, unknown> = { ...extra };
  if (options.database !== undefined)
    flags.database = { ...(flags.database as object), url: options.database };
  if (options.logLevel !== undefined) flags.log = { level: options.logLevel };
  return loadConfig({ file: options.config, flags }).config;
}

/** Opens the engine for one command and closes it afterwards, whatever happens. */
export async function withSteward<T>(
  options: GlobalOptions,
  fn: (steward: StewardHandle) => Promise<T>,
  open: { migrate?: boolean; extra?: Record<string, unknown> } = {},
): Promise<T> {
  const config = configFromFlags(options, open.extra);
  // Commands log only warnings unless a level is asked for: their output is the point.
  const quiet = options.logLevel === undefined && process.env.STEWARD_LOG_LEVEL === undefined;
  const steward = await openSteward({
    config: quiet ? { ...config, log: { ...config.log, level: "warn" } } : config,
    migrate: open.migrate,
    kinds: knownKinds,
  });
  try {
    return await fn(steward);
  } finally {
    await steward.close();
  }
}

/** Sets the exit code from a thrown error and prints what went wrong, without a stack trace. */
export function reportFailure(error: unknown, io: CommandIo, json: boolean): number {
  if (error instanceof StewardError) {
    if (json)
      io.out(JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }));
    else io.err(`steward: ${error.message}`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) io.out(JSON.stringify({ error: { code: "internal", message } }));
  else io.err(`steward: ${message}${process.env.STEWARD_DEBUG ? `\n${(error as Error).stack}` : ""}`);
  return 1;
}
