import type { Queryable } from "../db/database.ts";
import type { CurrencyTotals, LedgerMode } from "./ledger.ts";
import { currencyTotalsOf, ledgerSums } from "./ledger-sums.ts";
import { type MrrMovements, mrrMovements } from "./mrr.ts";

/**
 * The revenue metrics of a period, each defined in docs/money.md ("Metrics") with its formula.
 * Money is per currency; counts and rates are over Stripe's objects created in the period.
 */
export interface RevenueMetrics {
  since: string;
  until: string;
  mode: LedgerMode;
  /** Gross and net revenue, refunds, dispute losses, fees, expenses, AI usage: per currency. */
  totals: (CurrencyTotals & { refundRate: number | null })[];
  mrr: MrrMovements[];
  funnel: {
    /** Checkout sessions created in the period (open, completed or expired). */
    checkoutsCreated: number;
    checkoutsCompleted: number;
    checkoutsExpired: number;
    /** Completed ÷ created. */
    checkoutConversion: number | null;
    /** Charges that succeeded, of those created in the period. */
    paid: number;
    refunded: number;
    disputed: number;
  };
  payments: {
    succeeded: number;
    failed: number;
    /** Failed ÷ (succeeded + failed) charges. */
    failureRate: number | null;
    /** Invoices that failed a payment and were paid afterwards, paid in the period. */
    recovered: number;
    recoveredAmounts: { currency: string; amount: number }[];
    /** Disputes (not inquiries) ÷ succeeded charges. */
    disputeRate: number | null;
  };
  /** Per idea with revenue: its first revenue, and how long after the idea was recorded. */
  firstRevenue: { idea: string; firstRevenueAt: string; ideaCreatedAt: string | null; days: number | null }[];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export async function revenueMetrics(
  db: Queryable,
  query: { since: Date; until: Date; mode: LedgerMode },
): Promise<RevenueMetrics> {
  const mode = query.mode;
  const totals = currencyTotalsOf(
    await ledgerSums(db, { since: query.since, until: query.until, mode, keys: ["idea"] }),
  );
  const { rows: funnel } = await db.query<{
    created: number;
    completed: number;
    expired: number;
    succeeded: number;
    failed: number;
    refunded: number;
    disputed: number;
    disputes: number;
  }>(
    `WITH o AS (
       SELECT object, data FROM stripe_objects
       WHERE to_timestamp((data ->> 'created')::float8) >= $1 AND to_timestamp((data ->> 'created')::float8) < $2
         AND ($3::text = 'all' OR livemode = ($3::text = 'live'))
     )
     SELECT count(*) FILTER (WHERE object = 'checkout.session')::int AS created,
            count(*) FILTER (WHERE object = 'checkout.session' AND data ->> 'status' = 'complete')::int AS completed,
            count(*) FILTER (WHERE object = 'checkout.session' AND data ->> 'status' = 'expired')::int AS expired,
            count(*) FILTER (WHERE object = 'charge' AND data ->> 'status' = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE object = 'charge' AND data ->> 'status' = 'failed')::int AS failed,
            count(*) FILTER (WHERE object = 'charge' AND (data ->> 'amount_refunded')::bigint > 0)::int AS refunded,
            count(*) FILTER (WHERE object = 'charge' AND (data ->> 'disputed')::boolean)::int AS disputed,
            count(*) FILTER (WHERE object = 'dispute' AND data ->> 'status' NOT LIKE 'warning%')::int AS disputes
     FROM o`,
    [query.since, query.until, mode],
  );
  const f = funnel[0]!;
  const { rows: recovered } = await db.query<{ currency: string; invoices: number; amount: number }>(
    `SELECT o.data ->> 'currency' AS currency, count(*)::int AS invoices, sum((o.data ->> 'amount_paid')::bigint)::float8 AS amount
     FROM stripe_objects o
     WHERE o.object = 'invoice' AND o.data ->> 'status' = 'paid'
       AND ($3::text = 'all' OR o.livemode = ($3::text = 'live'))
       AND to_timestamp(coalesce((o.data #>> '{status_transitions,paid_at}')::float8, (o.data ->> 'created')::float8)) >= $1
       AND to_timestamp(coalesce((o.data #>> '{status_transitions,paid_at}')::float8, (o.data ->> 'created')::float8)) < $2
       AND EXISTS (SELECT 1 FROM stripe_events e WHERE e.object_id = o.id AND e.type = 'invoice.payment_failed')
     GROUP BY 1 ORDER BY 1`,
    [query.since, query.until, mode],
  );
  // Each idea's first day of revenue from the daily sums, then its first entry within that day.
  const { rows: firstRevenue } = await db.query<{ idea: string; first_at: Date; created_at: Date | null }>(
    `WITH first_day AS (
       SELECT idea, min(bucket) AS day FROM money_sums
       WHERE grain = 'day' AND type = 'revenue' AND idea <> '' AND ($1::text = 'all' OR livemode = ($1::text = 'live'))
       GROUP BY idea
     )
     SELECT coalesce(i.key, f.idea) AS idea, i.created_at,
            (SELECT min(e.occurred_at) FROM money_entries e
             WHERE e.idea = f.idea AND e.type = 'revenue'
               AND e.occurred_at >= f.day::timestamp AT TIME ZONE 'UTC'
               AND e.occurred_at < (f.day + 1)::timestamp AT TIME ZONE 'UTC'
               AND ($1::text = 'all' OR e.livemode = ($1::text = 'live'))) AS first_at
     FROM first_day f LEFT JOIN ideas i ON i.key = f.idea
     ORDER BY first_at`,
    [mode],
  );
  const disputedBase = f.succeeded;
  return {
    since: query.since.toISOString(),
    until: query.until.toISOString(),
    mode,
    totals: totals.map((t) => ({ ...t, refundRate: ratio(-t.refunds, t.revenue) })),
    mrr: await mrrMovements(db, query),
    funnel: {
      checkoutsCreated: f.created,
      checkoutsCompleted: f.completed,
      checkoutsExpired: f.expired,
      checkoutConversion: ratio(f.completed, f.created),
      paid: f.succeeded,
      refunded: f.refunded,
      disputed: Math.max(f.disputed, f.disputes),
    },
    payments: {
      succeeded: f.succeeded,
      failed: f.failed,
      failureRate: ratio(f.failed, f.succeeded + f.failed),
      recovered: recovered.reduce((s, r) => s + r.invoices, 0),
      recoveredAmounts: recovered.map((r) => ({ currency: r.currency, amount: r.amount })),
      disputeRate: ratio(f.disputes, disputedBase),
    },
    firstRevenue: firstRevenue.map((r) => {
      const first = new Date(r.first_at);
      const created = r.created_at ? new Date(r.created_at) : null;
      return {
        idea: r.idea,
        firstRevenueAt: first.toISOString(),
        ideaCreatedAt: created?.toISOString() ?? null,
        days: created ? Math.max(0, (first.getTime() - created.getTime()) / 86_400_000) : null,
      };
    }),
  };
}
