import type { Command } from "commander";
import type { GateState } from "../../tasks/execution-gate.ts";
import { cliActor } from "../cli-actor.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { commaList, wholeNumber } from "../parse-options.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

/** `steward gate …`: the execution gate; while closed, no worker claims the tasks it holds. */
export function registerGateCommand(program: Command, io: CommandIo): void {
  const gate = program
    .command("gate")
    .description("the execution gate: status, open (an override) and close");
  gate
    .command("status", { isDefault: true })
    .description("whether the gate is open, and if not, for which kinds, by which report and why")
    .action(async (_opts: unknown, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "gate status", needsSchema: true }, async (client) => {
        const state = await client.gate();
        if (options.json) return io.out(JSON.stringify(state));
        io.out(describeGate(state, tableWidth(io, options)));
      });
    });
  gate
    .command("close")
    .description("close the gate by hand (it stays closed until opened by hand)")
    .requiredOption("--reason <reason>", "why")
    .option("--kinds <kinds>", "only these kinds, comma-separated (default: every kind)", commaList)
    .action(async (opts: { reason: string; kinds?: string[] }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "gate close", needsSchema: true }, async (client) => {
        const change = await client.closeGate(opts.kinds ?? [], opts.reason, cliActor());
        if (options.json) return io.out(JSON.stringify(change));
        io.out(describeGate(change.state, tableWidth(io, options)));
      });
    });
  gate
    .command("open")
    .description("open the gate by hand: an override of the blocking findings behind it, until they are gone")
    .requiredOption("--reason <reason>", "why it is safe to run")
    .option("--kinds <kinds>", "only these kinds, comma-separated (default: every kind)", commaList)
    .action(async (opts: { reason: string; kinds?: string[] }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "gate open", needsSchema: true }, async (client) => {
        const change = await client.openGate(opts.kinds ?? [], opts.reason, cliActor());
        if (options.json) return io.out(JSON.stringify(change));
        io.out(
          change.opened.length === 0
            ? "Nothing was closed for those kinds."
            : `Opened ${change.opened.map((s) => (s === "*" ? "every kind" : s)).join(", ")}.`,
        );
        io.out(describeGate(change.state, tableWidth(io, options)));
      });
    });
  gate
    .command("log")
    .description("the operator-action log: who closed, opened or overrode the gate, and why")
    .option("--limit <n>", "at most this many", wholeNumber, 30)
    .action(async (opts: { limit: number }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "gate log", needsSchema: true }, async (client) => {
        const actions = await client.operatorActions({ limit: opts.limit });
        if (options.json) return io.out(JSON.stringify({ actions }));
        if (actions.length === 0) return io.out("No operator action is recorded.");
        io.out(
          renderTable(
            ["at", "actor", "via", "action", "kinds", "report", "reason"],
            actions.map((a) => [
              a.at.slice(0, 19).replace("T", " "),
              a.actor,
              a.via,
              a.action,
              a.kinds.join(", ") || "-",
              a.reportId ?? "-",
              a.reason ?? "-",
            ]),
            { width: tableWidth(io, options) },
          ),
        );
      });
    });
}

/** The gate in words, and its closures as a table. */
export function describeGate(state: Jsonified<GateState>, width?: number): string {
  if (state.open)
    return state.overrides.length === 0
      ? "The execution gate is open."
      : `The execution gate is open; ${state.overrides.length} blocking finding${state.overrides.length === 1 ? " is" : "s are"} let through by an operator (${state.overrides.map((o) => `${o.findingKey}: ${o.reason}`).join("; ")}).`;
  const what = state.closedForAll ? "for every kind" : `for ${state.closedKinds.join(", ")}`;
  return [
    `The execution gate is CLOSED ${what}: no worker claims those tasks; running ones finish.`,
    renderTable(
      ["scope", "cause", "since", "by", "report", "reason"],
      state.closures.map((c) => [
        c.scope === "*" ? "every kind" : c.scope,
        c.cause,
        c.closedAt.slice(0, 19).replace("T", " "),
        c.closedBy,
        c.reportId ?? "-",
        c.reason,
      ]),
      { width },
    ),
  ].join("\n");
}
