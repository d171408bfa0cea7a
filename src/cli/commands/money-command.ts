import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import { formatMinor } from "../../money/currencies.ts";
import type { CurrencyTotals, LedgerMode, LedgerRow } from "../../money/ledger.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { wholeNumber } from "../parse-options.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

const modes: LedgerMode[] = ["live", "test", "all"];

/** `steward money …`: the ledger. */
export function registerMoneyCommand(program: Command, io: CommandIo): void {
  const money = program
    .command("money")
    .description("the ledger: revenue, refunds, disputes, fees, expenses, AI usage");
  money
    .command("ledger")
    .description("the ledger's entries, oldest first, with totals per currency (--json: one entry a line)")
    .option("--since <time>", "only entries from this time on: 30d, 1w or an ISO date")
    .option("--idea <idea>", "only entries attributed to this idea (unattributed: those attributed to none)")
    .option("--mode <mode>", "live, test or all (default: live, or all when stripe.testEvents is counted)")
    .option("--limit <n>", "at most this many entries (default 10000)", wholeNumber)
    .action(
      async (opts: { since?: string; idea?: string; mode?: string; limit?: number }, command: Command) => {
        const options = globalOptions(command);
        if (opts.mode !== undefined && !modes.includes(opts.mode as LedgerMode))
          throw new StewardError(
            "validation_failed",
            `--mode "${opts.mode}" is not a mode: use ${modes.join(", ")}.`,
          );
        const since = opts.since === undefined ? undefined : parseSince(opts.since, new Date());
        await withClient(options, { command: "money ledger", needsSchema: true }, async (client) => {
          const answer = await client.ledger({
            since,
            idea: opts.idea,
            mode: opts.mode as LedgerMode | undefined,
            limit: opts.limit,
          });
          if (options.json) {
            for (const e of answer.entries) io.out(JSON.stringify(ledgerLine(e)));
            return;
          }
          if (answer.entries.length === 0)
            return io.out(
              answer.mode === "live"
                ? "No live entry in the ledger. Test-mode money is kept apart: --mode test (or all) shows it."
                : "No entry in the ledger matches.",
            );
          io.out(renderLedgerTable(answer.entries, tableWidth(io, options)));
          io.out("");
          io.out(renderTotalsTable(answer.totals, tableWidth(io, options)));
        });
      },
    );
}

/** One entry as `steward money ledger --json` prints it: one object a line. */
export function ledgerLine(e: Jsonified<LedgerRow>) {
  return {
    source_id: e.sourceId,
    type: e.type,
    amount_minor: e.amountMinor,
    currency: e.currency,
    occurred_at: e.occurredAt,
    idea: e.idea,
    stream: e.stream,
    stripe_object: e.stripeObject,
    model: e.model,
    livemode: e.livemode,
  };
}

export function renderLedgerTable(entries: Jsonified<LedgerRow>[], width?: number): string {
  return renderTable(
    ["occurred", "type", "amount", "idea", "stream", "stripe object / model", "source id"],
    entries.map((e) => [
      e.occurredAt.slice(0, 16).replace("T", " "),
      e.livemode ? e.type : `${e.type} (test)`,
      formatMinor(e.amountMinor, e.currency),
      e.idea ?? "(unattributed)",
      e.stream ?? "",
      e.stripeObject ?? e.model ?? "",
      e.sourceId,
    ]),
    { width },
  );
}

export function renderTotalsTable(totals: Jsonified<CurrencyTotals>[], width?: number): string {
  return renderTable(
    ["currency", "revenue", "refunds", "disputes", "fees", "net", "unattributed revenue"],
    totals.map((c) => [
      c.currency.toUpperCase(),
      formatMinor(c.revenue, c.currency),
      formatMinor(c.refunds, c.currency),
      formatMinor(c.disputes + c.disputeReversals, c.currency),
      formatMinor(c.fees, c.currency),
      formatMinor(c.net, c.currency),
      formatMinor(c.unattributedRevenue, c.currency),
    ]),
    { width },
  );
}
