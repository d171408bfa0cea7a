import type { Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import {
  type CurrencyTotals,
  defaultLedgerMode,
  type LedgerMode,
  type LedgerRow,
  ledgerTotals,
  listLedger,
} from "./ledger.ts";
import type { MoneyConfig } from "./money-config.ts";
import { type MoneySeries, moneySeries } from "./money-series.ts";
import { type RevenueMetrics, revenueMetrics } from "./revenue-metrics.ts";
import { type RoiAnswer, type RoiDimension, roiOf } from "./roi.ts";
import type { StripeConfig } from "./stripe-config.ts";
import {
  countStripeEvents,
  listStripeEvents,
  type StripeEventCount,
  type StripeEventRow,
} from "./stripe-events.ts";
import type { StripeEventStatus } from "./stripe-processing.ts";

export interface LedgerAnswer {
  /** The mode read (live money only unless stripe.testEvents is `counted` or the request asks). */
  mode: LedgerMode;
  entries: LedgerRow[];
  /** Per currency, over the same entries: currencies are never added together. */
  totals: CurrencyTotals[];
}

/** What `steward money ledger` and GET /api/money/ledger answer. */
export async function ledgerOf(
  db: Queryable,
  config: StripeConfig,
  query: { since?: Date; idea?: string; mode?: LedgerMode; limit?: number },
): Promise<LedgerAnswer> {
  const mode = query.mode ?? defaultLedgerMode(config);
  const filter = { since: query.since, idea: query.idea, mode };
  return {
    mode,
    entries: await listLedger(db, { ...filter, limit: query.limit }),
    totals: await ledgerTotals(db, filter),
  };
}

export interface StripeEventsAnswer {
  events: StripeEventRow[];
  /** Every event in the inbox, counted by type and state. */
  counts: StripeEventCount[];
}

/** What `steward stripe events` and GET /api/stripe/events answer. */
export async function stripeEventsOf(
  db: Queryable,
  query: { status?: StripeEventStatus; type?: string; limit?: number },
): Promise<StripeEventsAnswer> {
  return { events: await listStripeEvents(db, query), counts: await countStripeEvents(db) };
}

export interface RoiReport {
  roi: RoiAnswer;
  metrics: RevenueMetrics;
}

/** What `steward roi` and GET /api/money/roi answer: ROI by idea, stream or model, and the period's metrics. */
export async function roiReport(
  db: Queryable,
  config: { stripe: StripeConfig; money: MoneyConfig },
  query: { by?: RoiDimension; since?: Date; until?: Date; mode?: LedgerMode },
  now: Date,
): Promise<RoiReport> {
  const until = query.until ?? now;
  const since = query.since ?? new Date(until.getTime() - 30 * 86_400_000);
  if (since.getTime() >= until.getTime())
    throw new StewardError(
      "validation_failed",
      `The period starts at ${since.toISOString()}, not before its end ${until.toISOString()}: since must be earlier than until.`,
      { details: { problems: [{ path: "since", message: "must be earlier than until" }] } },
    );
  const mode = query.mode ?? defaultLedgerMode(config.stripe);
  const period = { since, until, mode };
  return {
    roi: await roiOf(db, config.money, { ...period, by: query.by ?? "idea" }),
    metrics: await revenueMetrics(db, period),
  };
}

/** What GET /api/money/series answers: the ledger by day over a period (default the last 90 days). */
export async function moneySeriesOf(
  db: Queryable,
  config: { stripe: StripeConfig; money: MoneyConfig },
  query: { since?: Date; until?: Date; mode?: LedgerMode },
  now: Date,
): Promise<MoneySeries> {
  const until = query.until ?? now;
  const since = query.since ?? new Date(until.getTime() - 90 * 86_400_000);
  return moneySeries(db, config.money, {
    since,
    until,
    mode: query.mode ?? defaultLedgerMode(config.stripe),
  });
}
