import type { Command } from "commander";
import type { SystemStatus } from "../../app/system-status.ts";
import { type CommandIo, describeClient, globalOptions, withClient } from "../command-context.ts";
import { exitCodes } from "../exit-codes.ts";
import { renderWaiting } from "../render-waiting.ts";
import type { Jsonified } from "../steward-client.ts";

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
              ...renderGate(status.gate),
              ...renderWaiting(status.waiting),
            ].join("\n"),
          );
        }
        if (!status.ready) setExit(exitCodes.answerIsNo);
      });
    });
}

/** The gate's line of `steward status`: only when it could be read. */
function renderGate(gate: Jsonified<SystemStatus>["gate"]): string[] {
  if (gate === undefined || gate === null) return [];
  if (gate.open) return ["Gate        open"];
  const scope = gate.closedForAll ? "every kind" : gate.closedKinds.join(", ");
  return [
    `Gate        CLOSED for ${scope}${gate.reportId ? ` by report ${gate.reportId}` : ""}: no worker claims those tasks (\`steward gate\` says why)`,
  ];
}
