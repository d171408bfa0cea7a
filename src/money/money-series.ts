import type { Queryable } from "../db/database.ts";
import type { LedgerMode } from "./ledger.ts";
import { type LedgerSum, ledgerSums } from "./ledger-sums.ts";
import { type MoneyConfig, toReportingMinor } from "./money-config.ts";

/** One day's money of one currency, by type (signed as in the ledger: revenue positive, the rest negative). */
export interface MoneyDay {
  day: string;
  revenue: number;
  refunds: number;
  disputes: number;
  fees: number;
  expenses: number;
  aiSpend: number;
  net: number;
}

export interface MoneySeries {
  since: string;
  until: string;
  mode: LedgerMode;
  /** Per currency, one point per day that has entries. */
  currencies: { currency: string; days: MoneyDay[] }[];
  /** Every currency with a rate, in the reporting currency (money.rates); those without are named. */
  converted: { currency: string; days: MoneyDay[]; missingRates: string[] };
}

/** The ledger by day (UTC), type and currency over a period (ledger-sums.ts): what the Money page draws over time. */
export async function moneySeries(
  db: Queryable,
  config: MoneyConfig,
  query: { since: Date; until: Date; mode: LedgerMode },
): Promise<MoneySeries> {
  const rows = (await ledgerSums(db, { ...query, byDay: true, keys: [] })) as (LedgerSum & { day: string })[];
  const byCurrency = new Map<string, Map<string, MoneyDay>>();
  const converted = new Map<string, MoneyDay>();
  const missing = new Set<string>();
  const add = (days: Map<string, MoneyDay>, day: string, type: string, amount: number) => {
    const point = days.get(day) ?? {
      day,
      revenue: 0,
      refunds: 0,
      disputes: 0,
      fees: 0,
      expenses: 0,
      aiSpend: 0,
      net: 0,
    };
    const field = fieldOf[type];
    if (field) point[field] += amount;
    point.net += amount;
    days.set(day, point);
  };
  for (const r of rows) {
    const days = byCurrency.get(r.currency) ?? new Map<string, MoneyDay>();
    add(days, r.day, r.type, r.amount);
    byCurrency.set(r.currency, days);
    const amount = toReportingMinor(config, r.currency, r.amount);
    if (amount === undefined) missing.add(r.currency);
    else add(converted, r.day, r.type, amount);
  }
  const sorted = (days: Map<string, MoneyDay>) =>
    [...days.values()]
      .sort((a, b) => a.day.localeCompare(b.day))
      .map(
        (d) =>
          Object.fromEntries(
            Object.entries(d).map(([k, v]) => [k, typeof v === "number" ? Math.round(v) : v]),
          ) as unknown as MoneyDay,
      );
  return {
    since: query.since.toISOString(),
    until: query.until.toISOString(),
    mode: query.mode,
    currencies: [...byCurrency]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, days]) => ({ currency, days: sorted(days) })),
    converted: {
      currency: config.reportingCurrency,
      days: sorted(converted),
      missingRates: [...missing].sort(),
    },
  };
}

const fieldOf: Record<string, keyof Omit<MoneyDay, "day" | "net">> = {
  revenue: "revenue",
  refund: "refunds",
  dispute: "disputes",
  dispute_reversal: "disputes",
  fee: "fees",
  expense: "expenses",
  ai_usage: "aiSpend",
};
