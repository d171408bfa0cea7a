import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { openSteward } from "../../app/open-steward.ts";
import { startServer } from "../../http/start-server.ts";
import { type CommandIo, configFromFlags, globalOptions } from "../command-context.ts";

/**
 * `steward start`: the embedded mode's one process. Migrates, then serves the API and the
 * dashboard until SIGINT or SIGTERM. (Workers and the demo workload join it in later versions.)
 */
export function registerStartCommand(program: Command, io: CommandIo): void {
  program
    .command("start")
    .description("migrate, then run the API and the dashboard (embedded PGlite by default)")
    .option("--host <host>", "address to listen on")
    .option("--port <port>", "port to listen on (0: any free port)", port)
    .action(async (opts: { host?: string; port?: number }, command: Command) => {
      const options = globalOptions(command);
      const http: Record<string, unknown> = {};
      if (opts.host !== undefined) http.host = opts.host;
      if (opts.port !== undefined) http.port = opts.port;
      const config = configFromFlags(options, Object.keys(http).length ? { http } : {});
      const steward = await openSteward({ config, migrate: true });
      const server = await startServer(steward, config.http).catch(async (error) => {
        await steward.close();
        throw error;
      });
      const mode = steward.db.kind === "pglite" ? "embedded PGlite" : "PostgreSQL";
      io.out(
        `Steward is up.\n  Dashboard  ${server.url}/\n  Database   ${mode}: ${steward.db.description}\nPress Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => {
        const stop = async (signal: string) => {
          steward.logger.info({ signal }, "stopping");
          await server.close();
          await steward.close();
          resolve();
        };
        process.once("SIGINT", () => void stop("SIGINT"));
        process.once("SIGTERM", () => void stop("SIGTERM"));
      });
      io.out("Steward stopped.");
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError("expected a port number from 0 to 65535");
  return n;
}
