import type { Queryable } from "../db/database.ts";
import {
  type CurrencyTotals,
  defaultLedgerMode,
  type LedgerMode,
  type LedgerRow,
  ledgerTotals,
  listLedger,
} from "./ledger.ts";
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
