import type { Command } from "commander";
import type { Alert } from "../../telemetry/alerts.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { wholeNumber } from "../parse-options.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

/** `steward alerts`: alerts on trend change, newest first, with their delivery state. */
export function registerAlertsCommand(program: Command, io: CommandIo): void {
  program
    .command("alerts")
    .description("alerts on trend change in the leading indicators, newest first")
    .option("--open", "only the open ones")
    .option("--limit <n>", "at most this many (1–9999)", wholeNumber, 50)
    .action(async (opts: { open?: boolean; limit: number }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "alerts", needsSchema: true }, async (client) => {
        const alerts = await client.alerts({ open: opts.open, limit: opts.limit });
        if (options.json) return io.out(JSON.stringify(alerts));
        if (alerts.length === 0) return io.out(opts.open ? "No alert is open." : "No alert was ever raised.");
        io.out(renderAlertsTable(alerts, tableWidth(io, options)));
      });
    });
}

const scopeText = (scope: Record<string, string>) =>
  Object.entries(scope)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");

export function renderAlertsTable(alerts: Jsonified<Alert>[], width?: number): string {
  return renderTable(
    [
      "id",
      "status",
      "indicator",
      "scope",
      "changed at",
      "before",
      "after",
      "now",
      "detector",
      "delivery",
      "message",
    ],
    alerts.map((a) => [
      a.id,
      (a.status === "resolved" && a.resolvedAt
        ? `resolved ${a.resolvedAt.slice(5, 16).replace("T", " ")}`
        : a.status) + (a.reopened > 0 ? ` (reopened ${a.reopened}×)` : ""),
      a.indicator,
      scopeText(a.scope as Record<string, string>),
      a.changedAt.slice(0, 16).replace("T", " "),
      a.beforeValue.toPrecision(3),
      a.afterValue.toPrecision(3),
      a.latestValue.toPrecision(3),
      a.detector,
      a.delivery.status === "failed" || (a.delivery.status === "pending" && a.delivery.error)
        ? `${a.delivery.status} (${a.delivery.attempts}): ${a.delivery.error}`
        : a.delivery.status,
      a.message,
    ]),
    { width },
  );
}
