import type { Command } from "commander";
import { type CommandIo, describeClient, globalOptions, withClient } from "../command-context.ts";
import { exitCodes } from "../exit-codes.ts";
import { renderWaiting } from "../render-waiting.ts";

export function registerStatusCommand(
  program: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  program
    .command("status")
    .description("database, schema and readiness at a glance")
    .action(async (_opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "status" }, async (client) => {
        const status = await client.status();
        if (options.json) io.out(JSON.stringify({ ...status, via: client.via ?? null }));
        else {
          io.out(
            [
              `Steward     ${status.version}`,
              `Database    ${status.database.kind === "pglite" ? "embedded (PGlite)" : "PostgreSQL"}: ${describeClient(client)}`,
              `Schema      ${status.schema.status}; ${status.schema.applied} migrations applied, ${status.schema.pending} pending`,
              `Ready       ${status.ready ? "yes" : "no"}`,
              ...renderWaiting(status.waiting),
            ].join("\n"),
          );
        }
        if (!status.ready) setExit(exitCodes.answerIsNo);
      });
    });
}
