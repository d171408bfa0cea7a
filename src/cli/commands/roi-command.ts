import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import { formatMinor } from "../../money/currencies.ts";
import type { LedgerMode } from "../../money/ledger.ts";
import type { MrrMovements } from "../../money/mrr.ts";
import type { RoiDimension, RoiRow } from "../../money/roi.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

const dimensions: RoiDimension[] = ["idea", "stream", "model"];
const modes: LedgerMode[] = ["live", "test", "all"];

const percent = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)} %`);

/** `steward roi`: ROI by idea, stream or model, and the period's revenue metrics. */
export function registerRoiCommand(program: Command, io: CommandIo): void {
  program
    .command("roi")
    .description(
      "ROI = (net revenue − cost) ÷ cost by idea, stream or model, and the period's revenue metrics",
    )
    .option("--by <dimension>", "idea (default), stream or model")
    .option("--since <time>", "the period's start: 30d (default), 1w or an ISO date")
    .option("--until <time>", "the period's end (default now)")
    .option("--mode <mode>", "live, test or all (default: live, or all when stripe.testEvents is counted)")
    .action(
      async (opts: { by?: string; since?: string; until?: string; mode?: string }, command: Command) => {
        const options = globalOptions(command);
        if (opts.by !== undefined && !dimensions.includes(opts.by as RoiDimension))
          throw new StewardError(
            "validation_failed",
            `--by "${opts.by}" is not a dimension: use ${dimensions.join(", ")}.`,
          );
        if (opts.mode !== undefined && !modes.includes(opts.mode as LedgerMode))
          throw new StewardError(
            "validation_failed",
            `--mode "${opts.mode}" is not a mode: use ${modes.join(", ")}.`,
          );
        const now = new Date();
        await withClient(options, { command: "roi", needsSchema: true }, async (client) => {
          const report = await client.roi({
            by: opts.by as RoiDimension | undefined,
            since: opts.since === undefined ? undefined : parseSince(opts.since, now),
            until: opts.until === undefined ? undefined : parseSince(opts.until, now),
            mode: opts.mode as LedgerMode | undefined,
          });
          if (options.json) return io.out(JSON.stringify(report));
          const { roi, metrics } = report;
          const width = tableWidth(io, options);
          io.out(
            `ROI by ${roi.by}, ${roi.since.slice(0, 10)} to ${roi.until.slice(0, 10)} (${roi.mode} money):`,
          );
          io.out(
            roi.rows.length === 0
              ? "No money in the ledger in this period."
              : renderRoiTable(roi.rows, roi.by, width),
          );
          const foreign = roi.rows.some((r) => r.currency !== roi.converted.currency);
          if (foreign && roi.converted.rows.length > 0) {
            io.out(`\nConverted to ${roi.converted.currency.toUpperCase()} through money.rates:`);
            io.out(renderRoiTable(roi.converted.rows, roi.by, width));
          }
          if (roi.converted.missingRates.length > 0)
            io.out(
              `\n${roi.converted.missingRates.map((c) => c.toUpperCase()).join(", ")}: no rate in money.rates, so not converted (currencies are never added together without one).`,
            );
          if (metrics.mrr.length > 0) {
            io.out("\nMRR and its movements:");
            io.out(renderMrrTable(metrics.mrr, width));
          }
          const f = metrics.funnel;
          const p = metrics.payments;
          io.out(
            `\nCheckout: ${f.checkoutsCreated} created, ${f.checkoutsCompleted} completed (${percent(f.checkoutConversion)}), ${f.checkoutsExpired} expired; ` +
              `charges: ${p.succeeded} paid, ${p.failed} failed (${percent(p.failureRate)}), ${f.refunded} refunded, ${f.disputed} disputed (${percent(p.disputeRate)}); ` +
              `${p.recovered} failed invoices recovered.`,
          );
        });
      },
    );
}

export function renderRoiTable(rows: Jsonified<RoiRow>[], by: RoiDimension, width?: number): string {
  const unnamed = by === "model" ? "(no model)" : "(unattributed)";
  return renderTable(
    [by, "revenue", "refunds & disputes", "fees", "expenses", "AI spend", "profit", "ROI"],
    rows.map((r) => [
      r.key ?? unnamed,
      formatMinor(r.revenue, r.currency),
      formatMinor(r.refunds + r.disputes, r.currency),
      formatMinor(r.fees, r.currency),
      formatMinor(-r.expenses, r.currency),
      formatMinor(-r.aiSpend, r.currency),
      formatMinor(r.profit, r.currency),
      percent(r.roi),
    ]),
    { width },
  );
}

export function renderMrrTable(rows: Jsonified<MrrMovements>[], width?: number): string {
  const m = (n: number, c: string) => formatMinor(Math.round(n), c);
  return renderTable(
    [
      "currency",
      "start",
      "new",
      "expansion",
      "reactivation",
      "contraction",
      "churn",
      "end",
      "customers",
      "churn rate",
      "ARPA",
      "LTV",
    ],
    rows.map((r) => [
      r.currency.toUpperCase(),
      m(r.start, r.currency),
      m(r.new, r.currency),
      m(r.expansion, r.currency),
      m(r.reactivation, r.currency),
      m(-r.contraction, r.currency),
      m(-r.churn, r.currency),
      m(r.end, r.currency),
      `${r.customersAtStart} → ${r.customersAtEnd}`,
      percent(r.customerChurnRate),
      r.arpa === null ? "–" : m(r.arpa, r.currency),
      r.ltv === null ? "–" : m(r.ltv, r.currency),
    ]),
    { width },
  );
}
