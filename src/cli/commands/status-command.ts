import type { Command } from "commander";
import { getSystemStatus } from "../../app/system-status.ts";
import { type CommandIo, globalOptions, withSteward } from "../command-context.ts";

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
      await withSteward(options, async (steward) => {
        const status = await getSystemStatus(steward);
        if (options.json) io.out(JSON.stringify(status));
        else {
          io.out(
            [
              `Steward     ${status.version}`,
              `Database    ${status.database.kind === "pglite" ? "embedded (PGlite)" : "PostgreSQL"}: ${status.database.description}`,
              `Schema      ${status.schema.status}; ${status.schema.applied} migrations applied, ${status.schema.pending} pending`,
              `Ready       ${status.ready ? "yes" : "no"}`,
            ].join("\n"),
          );
        }
        if (!status.ready) setExit(1);
      });
    });
}
