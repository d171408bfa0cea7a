import type { Command } from "commander";
import { parseSince } from "../../telemetry/stats-window.ts";
import type { Breach } from "../../telemetry/target-breaches.ts";
import { formatDuration, formatMeasure } from "../../telemetry/targets.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { wholeNumber } from "../parse-options.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

interface TargetsOptions {
  open?: boolean;
  since?: string;
  limit?: number;
}

/** `steward targets`: the breaches of the targets (telemetry.targets) that the workers recorded. */
export function registerTargetsCommand(program: Command, io: CommandIo): void {
  program
    .command("targets")
    .description("breaches of the targets (telemetry.targets) recorded by the workers, newest first")
    .option("--open", "only breaches still open")
    .option("--since <window>", "only breaches that lasted into this window: 1h, 1d, 30d or an ISO time")
    .option("--limit <n>", "at most this many (default 100)", wholeNumber)
    .action(async (opts: TargetsOptions, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "targets", needsSchema: true }, async (client) => {
        const since = opts.since === undefined ? undefined : parseSince(opts.since, new Date());
        const breaches = await client.breaches({ open: opts.open, since, limit: opts.limit });
        if (options.json) return io.out(JSON.stringify({ breaches }));
        if (breaches.length === 0)
          return io.out(
            opts.open || since
              ? "No breach of a target matches."
              : "No breach of a target was recorded. Targets are set in the configuration's telemetry.targets (README, “Targets”).",
          );
        io.out(renderBreachesTable(breaches, tableWidth(io, options)));
      });
    });
}

export function renderBreachesTable(breaches: Jsonified<Breach>[], width?: number): string {
  return renderTable(
    [
      "id",
      "state",
      "opened",
      "lasted",
      "stage",
      "kind",
      "window",
      "measure",
      "observed",
      "target",
      "worst",
      "attempts",
    ],
    breaches.map((b) => [
      b.id,
      b.resolvedAt === null ? "open" : "resolved",
      b.openedAt.slice(0, 19).replace("T", " "),
      formatDuration(b.lastedMs),
      b.stage ?? "any",
      b.kind ?? "any",
      b.window,
      b.measure,
      formatMeasure(b.measure, b.observed),
      formatMeasure(b.measure, b.target),
      formatMeasure(b.measure, b.worst),
      b.attempts,
    ]),
    { width },
  );
}
