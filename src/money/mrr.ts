import type { Queryable } from "../db/database.ts";
import type { LedgerMode } from "./ledger.ts";

/**
 * Monthly recurring revenue and its movements, after ChartMogul's definitions (docs/money.md,
 * "Metrics"), from every state of every subscription that Stripe's events showed:
 * - a subscription's MRR is the sum of its items' price × quantity, normalised to a month
 *   (a year ÷ 12, a week × 52 ÷ 12, a day × 365 ÷ 12, each ÷ the interval count), while it is
 *   `active` or `past_due`; trials, unpaid, incomplete, paused and canceled subscriptions count 0;
 *   net of recurring discounts (afterDiscounts); one-time charges and refunds never move MRR;
 * - a customer's MRR at an instant is the sum over their subscriptions of the MRR of each one's
 *   last state shown by then (events by `created`, then id);
 * - between the period's start (m0) and end (m1), per customer and currency: new (m0 = 0 < m1,
 *   never paying before), reactivation (m0 = 0 < m1, paying at some time before the start),
 *   expansion (0 < m0 < m1), contraction (0 < m1 < m0), churn (m0 > 0 = m1). So
 *   start + new + expansion + reactivation − contraction − churn = end, always.
 */

export interface MrrMovements {
  currency: string;
  start: number;
  new: number;
  expansion: number;
  reactivation: number;
  contraction: number;
  churn: number;
  end: number;
  customersAtStart: number;
  customersAtEnd: number;
  churnedCustomers: number;
  /** Customers lost ÷ customers at the start (null: none at the start). */
  customerChurnRate: number | null;
  /** MRR at the end ÷ paying customers at the end. */
  arpa: number | null;
  /** ARPA ÷ customer churn rate (null when nobody churned: undefined). */
  ltv: number | null;
}

export interface SubscriptionState {
  id: string;
  customer: string;
  at: number;
  eventId: string;
  currency: string;
  mrr: number;
}

const perMonth: Record<string, number> = { month: 1, year: 1 / 12, week: 52 / 12, day: 365 / 12 };
const paying = new Set(["active", "past_due"]);

/** A subscription's MRR in one state, in minor units (possibly fractional: rounded where shown). */
export function subscriptionMrr(subscription: Record<string, unknown>): { currency: string; mrr: number } {
  const items = ((subscription.items as { data?: unknown[] } | undefined)?.data ?? []) as Record<
    string,
    unknown
  >[];
  let currency = typeof subscription.currency === "string" ? subscription.currency : "";
  let mrr = 0;
  // A fixed discount is off each invoice: a month's share of it depends on the billing period.
  let periodsPerMonth = 1;
  for (const item of items) {
    const price = (item.price ?? item.plan) as Record<string, unknown> | undefined;
    if (!price) continue;
    const recurring = (price.recurring ?? price) as { interval?: string; interval_count?: number };
    const amount = Number(price.unit_amount ?? price.amount ?? 0);
    const factor = perMonth[recurring.interval ?? "month"] ?? 1;
    const quantity = Number(item.quantity ?? 1);
    if (typeof price.currency === "string") currency ||= price.currency;
    const perPeriod = factor / Math.max(1, Number(recurring.interval_count ?? 1));
    periodsPerMonth = perPeriod;
    mrr += amount * quantity * perPeriod;
  }
  mrr = afterDiscounts(mrr, subscription, periodsPerMonth);
  return { currency: currency.toLowerCase(), mrr: paying.has(String(subscription.status)) ? mrr : 0 };
}

/**
 * MRR net of the subscription's recurring discounts (ChartMogul's definition): a coupon that lasts
 * (`forever`, or `repeating` while it runs) takes its percentage off, or its amount off each
 * invoice (normalised to a month like the prices); a `once` coupon touches one invoice, not the
 * recurring revenue. Read from `discounts` when Stripe sends them expanded, else the older
 * `discount`. Never below zero.
 */
function afterDiscounts(mrr: number, subscription: Record<string, unknown>, periodsPerMonth: number): number {
  const listed = Array.isArray(subscription.discounts) ? subscription.discounts : [];
  const discounts = (listed.length > 0 ? listed : [subscription.discount]).filter(
    (d): d is Record<string, unknown> => typeof d === "object" && d !== null,
  );
  let net = mrr;
  for (const discount of discounts) {
    const coupon = (discount.coupon ??
      (discount.source as Record<string, unknown> | undefined)?.coupon ??
      {}) as Record<string, unknown>;
    if (coupon.duration === "once") continue;
    if (typeof coupon.percent_off === "number") net *= 1 - coupon.percent_off / 100;
    else if (typeof coupon.amount_off === "number") net -= coupon.amount_off * periodsPerMonth;
  }
  return Math.max(0, net);
}

async function subscriptionStates(db: Queryable, mode: LedgerMode): Promise<SubscriptionState[]> {
  const { rows } = await db.query<{ object: Record<string, unknown>; at: number; event_id: string }>(
    `SELECT payload -> 'data' -> 'object' AS object, extract(epoch FROM created_at)::float8 AS at, id AS event_id
     FROM stripe_events
     WHERE type IN ('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted')
       AND status = 'processed'
       AND ($1::text = 'all' OR livemode = ($1::text = 'live'))
     ORDER BY created_at, id`,
    [mode],
  );
  return rows.map((r) => {
    const customer = r.object.customer;
    const { currency, mrr } = subscriptionMrr(r.object);
    return {
      id: String(r.object.id),
      customer:
        typeof customer === "string" ? customer : String((customer as { id?: string })?.id ?? r.object.id),
      at: r.at,
      eventId: r.event_id,
      currency,
      mrr,
    };
  });
}

/** Per customer and currency: MRR at `t` (each subscription's last state by then). */
function mrrAt(states: SubscriptionState[], t: number): Map<string, number> {
  const last = new Map<string, SubscriptionState>();
  for (const s of states) if (s.at <= t) last.set(s.id, s); // states come in (created, id) order
  const byCustomer = new Map<string, number>();
  for (const s of last.values()) {
    const key = `${s.customer}\u0001${s.currency}`;
    byCustomer.set(key, (byCustomer.get(key) ?? 0) + s.mrr);
  }
  return byCustomer;
}

export async function mrrMovements(
  db: Queryable,
  query: { since: Date; until: Date; mode: LedgerMode },
): Promise<MrrMovements[]> {
  const states = await subscriptionStates(db, query.mode);
  return movementsOf(states, query.since.getTime() / 1000, query.until.getTime() / 1000);
}

export function movementsOf(states: SubscriptionState[], since: number, until: number): MrrMovements[] {
  const m0 = mrrAt(states, since);
  const m1 = mrrAt(states, until);
  // Who paid at some instant before the start: a return after that is a reactivation.
  const everPaid = new Set<string>();
  const running = new Map<string, SubscriptionState>();
  const sums = new Map<string, number>();
  const keyOf = (s: SubscriptionState) => `${s.customer}\u0001${s.currency}`;
  for (const s of states) {
    if (s.at > since) break;
    const previous = running.get(s.id);
    if (previous) sums.set(keyOf(previous), (sums.get(keyOf(previous)) ?? 0) - previous.mrr);
    running.set(s.id, s);
    const sum = (sums.get(keyOf(s)) ?? 0) + s.mrr;
    sums.set(keyOf(s), sum);
    if (sum > 0) everPaid.add(keyOf(s));
  }
  const byCurrency = new Map<string, MrrMovements>();
  for (const key of new Set([...m0.keys(), ...m1.keys()])) {
    const currency = key.split("\u0001")[1]!;
    const row = byCurrency.get(currency) ?? emptyMovements(currency);
    const before = m0.get(key) ?? 0;
    const after = m1.get(key) ?? 0;
    row.start += before;
    row.end += after;
    if (before > 0) row.customersAtStart++;
    if (after > 0) row.customersAtEnd++;
    if (before === 0 && after > 0) {
      if (everPaid.has(key)) row.reactivation += after;
      else row.new += after;
    } else if (before > 0 && after === 0) {
      row.churn += before;
      row.churnedCustomers++;
    } else if (after > before) row.expansion += after - before;
    else if (after < before) row.contraction += before - after;
    byCurrency.set(currency, row);
  }
  return [...byCurrency.values()]
    .map((r) => {
      const customerChurnRate = r.customersAtStart > 0 ? r.churnedCustomers / r.customersAtStart : null;
      const arpa = r.customersAtEnd > 0 ? r.end / r.customersAtEnd : null;
      return {
        ...r,
        customerChurnRate,
        arpa,
        ltv: arpa !== null && customerChurnRate ? arpa / customerChurnRate : null,
      };
    })
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

function emptyMovements(currency: string): MrrMovements {
  return {
    currency,
    start: 0,
    new: 0,
    expansion: 0,
    reactivation: 0,
    contraction: 0,
    churn: 0,
    end: 0,
    customersAtStart: 0,
    customersAtEnd: 0,
    churnedCustomers: 0,
    customerChurnRate: null,
    arpa: null,
    ltv: null,
  };
}
