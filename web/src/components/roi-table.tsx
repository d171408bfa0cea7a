import type { RoiReport, RoiRow } from "../money-api.ts";
import { formatMoney, formatRatio } from "../money-format.ts";

/**
 * ROI by idea or stream, one row per key and currency, as the server computed it: net revenue,
 * cost (expenses and AI spend), profit and ROI. A bar beside each ROI, as long as the ROI is
 * against the table's largest, green for a gain and red for a loss, so that the best and worst
 * stand out without reading. (ROI, not profit: it compares across currencies, profit does not.)
 */
export function RoiTable({
  title,
  report,
  testId,
}: {
  title: string;
  report: RoiReport | null;
  testId: string;
}) {
  // Every currency convertible (money.rates): one row per key, in the reporting currency, so that
  // revenue in euros is set against AI spend in dollars. Otherwise each currency apart.
  const converted =
    report !== null &&
    report.roi.converted.missingRates.length === 0 &&
    report.roi.rows.some((r) => r.currency !== report.roi.converted.currency);
  const rows = (converted ? report?.roi.converted.rows : report?.roi.rows) ?? [];
  const widest = Math.max(0, ...rows.map((r) => Math.abs(r.roi ?? 0)));
  return (
    <section class="card roi-card" data-testid={testId}>
      <h2>{title}</h2>
      {converted && (
        <p class="muted" data-testid="roi-converted">
          In {report.roi.converted.currency.toUpperCase()}, every currency converted through money.rates.
        </p>
      )}
      {report === null ? (
        <p class="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p class="muted" data-testid="roi-empty">
          No money in the last 30 days: a row per {report.roi.by} appears with its first revenue or cost.
        </p>
      ) : (
        <div class="table-scroll">
          <table class="roi-table">
            <thead>
              <tr>
                <th>{report.roi.by === "idea" ? "Idea" : "Stream"}</th>
                <th>Currency</th>
                <th class="num">Net revenue</th>
                <th class="num">Cost</th>
                <th class="num">Profit</th>
                <th class="roi-head">ROI</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <RoiTableRow key={`${row.key}\u0001${row.currency}`} row={row} widest={widest} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RoiTableRow({ row, widest }: { row: RoiRow; widest: number }) {
  const money = (minor: number) => formatMoney(minor, row.currency, { code: false });
  const share = row.roi === null || widest === 0 ? 0 : Math.abs(row.roi) / widest;
  return (
    <tr data-testid="roi-row" data-key={row.key ?? ""} data-currency={row.currency}>
      <td class={row.key === null ? "roi-key muted" : "roi-key"} data-testid="roi-key">
        {row.key ?? "(unattributed)"}
      </td>
      <td class="mono">{row.currency.toUpperCase()}</td>
      <td class="num" data-testid="roi-revenue">
        {money(row.revenue)}
      </td>
      <td class="num" data-testid="roi-cost">
        {money(row.cost)}
      </td>
      <td class={row.profit < 0 ? "num loss" : "num"} data-testid="roi-profit">
        {money(row.profit)}
      </td>
      <td class="roi-cell">
        <div class="roi-bar-wrap">
          {/* No ROI (no cost) has no bar at all: an empty track would read as 0%. */}
          <span class={row.roi === null ? "roi-bar-track roi-bar-none" : "roi-bar-track"} aria-hidden="true">
            {row.roi !== null && (
              <span
                class={row.roi < 0 ? "roi-bar roi-bar-loss" : "roi-bar"}
                style={{ width: `${Math.round(share * 1_000) / 10}%` }}
              />
            )}
          </span>
          <span
            class="roi-value"
            data-testid="roi-value"
            title={row.roi === null ? "No cost in this currency: ROI is undefined" : undefined}
          >
            {formatRatio(row.roi)}
          </span>
        </div>
      </td>
    </tr>
  );
}
