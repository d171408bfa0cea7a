import { useMemo } from "preact/hooks";
import type { MoneyDay, MoneySeries } from "../money-api.ts";
import { formatAxisMoney, formatMoney } from "../money-format.ts";
import { ChartCard } from "./chart-card.tsx";
import { type ChartLine, TimeChart } from "./time-chart.tsx";

const dayMs = 86_400_000;

/** The lines drawn, each a field of the day; costs are negative in the ledger and drawn as what was spent. */
const drawn: { label: string; field: keyof Omit<MoneyDay, "day">; sign: 1 | -1 }[] = [
  { label: "revenue", field: "revenue", sign: 1 },
  { label: "expenses", field: "expenses", sign: -1 },
  { label: "AI spend", field: "aiSpend", sign: -1 },
];

/**
 * Revenue against expenses and AI spend, per UTC day, in the reporting currency: every currency
 * the configuration gives a rate for, converted by the server. A currency without a rate is left
 * out, and the card says which.
 */
export function MoneyChart({ series }: { series: MoneySeries | null }) {
  const converted = series?.converted ?? null;
  // Each poll brings a new object, and new lines would draw the chart anew (losing the cursor's
  // place) every 5 s: the lines change only when the days drawn do (drawnKey stands for them).
  const drawnKey = series === null ? "" : `${firstDayOf(series)} ${JSON.stringify(series.converted.days)}`;
  const lines = useMemo(() => (series === null ? [] : linesOf(series)), [drawnKey]);
  const currency = converted?.currency ?? "usd";
  const axis = useMemo(() => formatAxisMoney(currency), [currency]);
  const legend = useMemo(() => (minor: number) => formatMoney(minor, currency), [currency]);

  const noMoney = series !== null && series.currencies.length === 0;
  const empty =
    series === null ? (
      "Loading the ledger…"
    ) : noMoney ? (
      <NoMoney />
    ) : converted?.days.length === 0 ? (
      <div>
        <p>Nothing to draw in {currency.toUpperCase()}: no currency of the period converts to it.</p>
        <MissingRates currencies={converted.missingRates} reporting={currency} />
      </div>
    ) : null;

  return (
    <ChartCard
      title="Revenue, expenses and AI spend"
      unit={`${currency.toUpperCase()} per day (UTC), last 90 days; other currencies converted through money.rates`}
      testId="money-chart"
      empty={empty}
    >
      <TimeChart
        lines={lines}
        format={axis}
        legendFormat={legend}
        height={220}
        label={`Revenue, expenses and AI spend per day in ${currency.toUpperCase()}`}
      />
      {converted !== null && converted.missingRates.length > 0 && (
        <MissingRates currencies={converted.missingRates} reporting={currency} />
      )}
    </ChartCard>
  );
}

function MissingRates({ currencies, reporting }: { currencies: string[]; reporting: string }) {
  const names = currencies.map((c) => c.toUpperCase()).join(", ");
  const example = currencies[0] ?? "eur";
  return (
    <p class="money-note" data-testid="money-missing-rates">
      Left out: <strong>{names}</strong>, with no rate in <code>money.rates</code> to convert{" "}
      {currencies.length === 1 ? "it" : "them"} to {reporting.toUpperCase()} (for example{" "}
      <code>
        {'"money": { "rates": { "'}
        {example}
        {'": 1.08 } }'}
      </code>
      : one {example.toUpperCase()} is 1.08 {reporting.toUpperCase()}). The tables below show every currency
      apart.
    </p>
  );
}

function NoMoney() {
  return (
    <div class="money-empty" data-testid="money-empty">
      <p>No money in the ledger over the last 90 days. It arrives by:</p>
      <ul>
        <li>
          Stripe's events, sent to <code>POST /webhooks/stripe</code> (with{" "}
          <code>STEWARD_STRIPE_WEBHOOK_SECRET</code> set) or replayed from a file with{" "}
          <code>steward stripe replay events.jsonl</code>
        </li>
        <li>
          expenses: <code>steward expense add --name Hosting --amount 49.00 --currency usd</code>, or{" "}
          <code>steward expense import expenses.csv</code>
        </li>
        <li>AI spend, which follows from the tasks' attempts by itself</li>
      </ul>
    </div>
  );
}

/**
 * One point per UTC day of the period, a day without entries at zero: the series has points
 * only for days with entries, and a line drawn straight across a quiet week would invent money.
 */
function linesOf(series: MoneySeries): ChartLine[] {
  const byDay = new Map(series.converted.days.map((d) => [Date.parse(`${d.day}T00:00:00Z`), d]));
  const first = firstDayOf(series);
  const last = Date.parse(series.until);
  const days: number[] = [];
  for (let at = first; at <= last; at += dayMs) days.push(at);
  return drawn.map(({ label, field, sign }) => ({
    label,
    points: days.map((at) => {
      const day = byDay.get(at);
      return { at, value: day ? sign * day[field] : 0 };
    }),
  }));
}

/** The period's first UTC day, at midnight. */
function firstDayOf(series: MoneySeries): number {
  return Math.floor(Date.parse(series.since) / dayMs) * dayMs;
}
