import {
  type BalanceTransaction,
  type Charge,
  type CheckoutSession,
  type Dispute,
  type Invoice,
  type InvoicePayment,
  idOf,
  type PaymentIntent,
  type Refund,
  type Subscription,
  subscriptionOfInvoice,
} from "./stripe-payloads.ts";

/**
 * A payment's ledger entries, derived whole from everything known of it: the newest state of
 * each of its objects (checkout sessions, payment intents, charges, invoices, refunds, disputes),
 * each charge's refunded amount as successive events showed it, and the subscriptions that may
 * attribute it. A function of that knowledge only, never of the order it arrived in: processing
 * the same events in any order, any number of times, gives the same entries (the property test
 * in test/money/ holds it). The rules are written out in docs/money.md.
 */

export type EntryType =
  | "revenue"
  | "refund"
  | "dispute"
  | "dispute_reversal"
  | "fee"
  | "expense"
  | "ai_usage";

export interface LedgerEntry {
  sourceId: string;
  type: EntryType;
  /** Signed, in the currency's minor unit (the main unit for zero-decimal currencies). */
  amountMinor: number;
  currency: string;
  occurredAt: Date;
  idea: string | null;
  stream: string | null;
  /** The Stripe object the money is keyed to (charge, payment intent, refund, dispute, balance transaction). */
  stripeObject: string;
  customer: string | null;
  livemode: boolean;
}

export interface KnownObject {
  id: string;
  object: string;
  livemode: boolean;
  data: Record<string, unknown>;
}

/** One event's view of a charge's refunded amount (Stripe sends the running total, not each refund). */
export interface RefundedLevel {
  charge: string;
  eventId: string;
  eventCreated: number;
  amountRefunded: number;
}

export interface PaymentKnowledge {
  objects: KnownObject[];
  refundedLevels: RefundedLevel[];
  /** Subscriptions named by the payment's invoices and sessions, as last seen. */
  subscriptions: Map<string, Subscription>;
}

/** Refunds that return money (or are returning it); failed and cancelled ones do not. */
const returningRefund = (r: Refund) => r.status !== "failed" && r.status !== "canceled";

export function paymentLedger(knowledge: PaymentKnowledge): LedgerEntry[] {
  const byType = (type: string) =>
    knowledge.objects.filter((o) => o.object === type).sort((a, b) => (a.id < b.id ? -1 : 1));
  const charges = byType("charge").map((o) => o.data as Charge);
  const intents = byType("payment_intent").map((o) => o.data as PaymentIntent);
  const invoices = byType("invoice").map((o) => o.data as Invoice);
  const invoicePayments = byType("invoice_payment").map((o) => o.data as InvoicePayment);
  const sessions = byType("checkout.session").map((o) => o.data as CheckoutSession);
  const refunds = byType("refund").map((o) => o.data as Refund);
  const disputes = byType("dispute").map((o) => o.data as Dispute);
  if (knowledge.objects.length === 0) return [];
  const livemode = knowledge.objects.every((o) => o.livemode);
  const attribution = attributionOf(sessions, intents, charges, invoices, knowledge.subscriptions);
  const customer =
    [...charges, ...intents, ...invoices, ...sessions].map((o) => idOf(o.customer)).find((c) => c) ?? null;
  const entries: LedgerEntry[] = [];
  const add = (e: Omit<LedgerEntry, "idea" | "stream" | "customer" | "livemode">) => {
    if (e.amountMinor !== 0)
      entries.push({ ...e, currency: e.currency.toLowerCase(), ...attribution, customer, livemode });
  };

  // Revenue: once per payment intent (or charge, where no payment intent exists), from the most
  // direct object that names it: its charges, else the payment intent, else an invoice's
  // payment, else the checkout session. Objects that name neither carry no money themselves.
  const counted = new Set<string>();
  const chargeKey = new Map(charges.map((c) => [c.id, idOf(c.payment_intent) ?? c.id]));
  const revenue = (names: (string | undefined)[], amount: number, currency: string, at: number) => {
    const present = names.filter((n): n is string => n !== undefined);
    const key =
      present.find((n) => n.startsWith("pi_")) ??
      present.find((n) => chargeKey.has(n) || /^(ch|py)_/.test(n));
    if (key === undefined || present.some((n) => counted.has(n))) return;
    for (const n of present) counted.add(n);
    add({
      sourceId: `revenue:${key}`,
      type: "revenue",
      amountMinor: amount,
      currency,
      occurredAt: date(at),
      stripeObject: key,
    });
  };
  const capturedByKey = new Map<
    string,
    { amount: number; currency: string; at: number; charges: string[] }
  >();
  for (const c of charges) {
    if (c.status !== "succeeded" || c.captured === false) continue;
    const key = chargeKey.get(c.id)!;
    const sum = capturedByKey.get(key) ?? { amount: 0, currency: c.currency, at: c.created, charges: [] };
    sum.amount += c.amount_captured ?? c.amount;
    sum.at = Math.min(sum.at, c.created);
    sum.charges.push(c.id);
    capturedByKey.set(key, sum);
  }
  for (const [key, sum] of capturedByKey) revenue([key, ...sum.charges], sum.amount, sum.currency, sum.at);
  for (const p of intents)
    if (p.status === "succeeded")
      revenue([p.id, idOf(p.latest_charge)], p.amount_received ?? p.amount, p.currency, p.created);
  for (const i of invoices) {
    if (i.status !== "paid") continue;
    const paidAt = i.status_transitions?.paid_at ?? i.created;
    const payments = [
      ...(i.payments?.data ?? []),
      ...invoicePayments.filter(
        (p) => idOf(p.invoice) === i.id && !i.payments?.data.some((q) => q.id === p.id),
      ),
    ].filter((p) => p.status == null || p.status === "paid");
    if (payments.length > 0) {
      for (const p of payments)
        revenue(
          [idOf(p.payment.payment_intent), idOf(p.payment.charge)],
          p.amount_paid ?? i.amount_paid,
          p.currency ?? i.currency,
          p.created ?? paidAt,
        );
    } else revenue([idOf(i.payment_intent), idOf(i.charge)], i.amount_paid, i.currency, paidAt);
  }
  for (const s of sessions)
    if (s.status === "complete" && s.payment_status === "paid" && s.currency)
      revenue([idOf(s.payment_intent)], s.amount_total ?? 0, s.currency, s.created);

  // Fees: from a charge's balance transaction, where the payload carries it expanded or it was
  // fetched through Stripe's API (stripe-processing.ts).
  const fetched = new Map(byType("balance_transaction").map((o) => [o.id, o.data as BalanceTransaction]));
  for (const c of charges) {
    const bt =
      typeof c.balance_transaction === "string" ? fetched.get(c.balance_transaction) : c.balance_transaction;
    if (bt && typeof bt === "object") feeOf(bt, add);
  }

  // Refunds: each refund object that returns money; what a charge's running total says beyond
  // them (Stripe's charge.refunded no longer lists its refunds) counts once, as its difference.
  const chargeIds = new Set(charges.map((c) => c.id));
  for (const r of refunds.filter(returningRefund))
    add({
      sourceId: `refund:${r.id}`,
      type: "refund",
      amountMinor: -r.amount,
      currency: r.currency,
      occurredAt: date(r.created),
      stripeObject: r.id,
    });
  for (const c of charges) {
    const known = refunds.filter((r) => idOf(r.charge) === c.id);
    const levels = knowledge.refundedLevels
      .filter((l) => l.charge === c.id && chargeIds.has(c.id))
      .sort((a, b) => a.eventCreated - b.eventCreated || (a.eventId < b.eventId ? -1 : 1));
    const total = levels.at(-1)?.amountRefunded ?? c.amount_refunded;
    if (known.length > 0) {
      const rest = total - known.filter(returningRefund).reduce((s, r) => s + r.amount, 0);
      if (rest > 0)
        add({
          sourceId: `refund:${c.id}:rest`,
          type: "refund",
          amountMinor: -rest,
          currency: c.currency,
          occurredAt: date(levels.at(-1)?.eventCreated ?? c.created),
          stripeObject: c.id,
        });
      continue;
    }
    let previous = 0;
    for (const level of levels) {
      if (level.amountRefunded === previous) continue;
      add({
        sourceId: `refund:${c.id}:${level.eventId}`,
        type: "refund",
        amountMinor: previous - level.amountRefunded,
        currency: c.currency,
        occurredAt: date(level.eventCreated),
        stripeObject: c.id,
      });
      previous = level.amountRefunded;
    }
    if (levels.length === 0 && c.amount_refunded > 0)
      add({
        sourceId: `refund:${c.id}:total`,
        type: "refund",
        amountMinor: -c.amount_refunded,
        currency: c.currency,
        occurredAt: date(c.created),
        stripeObject: c.id,
      });
  }

  // Disputes: the money moves with the dispute's balance transactions where the payload has them;
  // otherwise a dispute (not an inquiry, `warning_*`) takes the amount and winning it gives it back.
  for (const d of disputes) {
    const moves = d.balance_transactions ?? [];
    if (moves.length > 0) {
      for (const bt of moves) disputeMove(d, bt, add);
      continue;
    }
    if (d.status.startsWith("warning_")) continue;
    add({
      sourceId: `dispute:${d.id}`,
      type: "dispute",
      amountMinor: -d.amount,
      currency: d.currency,
      occurredAt: date(d.created),
      stripeObject: d.id,
    });
    if (d.status === "won")
      add({
        sourceId: `dispute:${d.id}:won`,
        type: "dispute_reversal",
        amountMinor: d.amount,
        currency: d.currency,
        occurredAt: date(d.created),
        stripeObject: d.id,
      });
  }
  return entries;
}

function disputeMove(
  d: Dispute,
  bt: BalanceTransaction,
  add: (e: Omit<LedgerEntry, "idea" | "stream" | "customer" | "livemode">) => void,
): void {
  add({
    sourceId: `dispute:${bt.id}`,
    type: bt.amount < 0 ? "dispute" : "dispute_reversal",
    amountMinor: bt.amount,
    currency: bt.currency,
    occurredAt: date(bt.created),
    stripeObject: d.id,
  });
  feeOf(bt, add);
}

/** Stripe's fee on a balance transaction (a charge's, a dispute's), as a negative entry. */
function feeOf(
  bt: BalanceTransaction,
  add: (e: Omit<LedgerEntry, "idea" | "stream" | "customer" | "livemode">) => void,
) {
  if (bt.fee)
    add({
      sourceId: `fee:${bt.id}`,
      type: "fee",
      amountMinor: -bt.fee,
      currency: bt.currency,
      occurredAt: date(bt.created),
      stripeObject: bt.id,
    });
}

/**
 * The idea and stream a payment is attributed to, each from the first place that names it, in
 * this order: the checkout session's metadata, the payment intent's, the charge's, the
 * subscription's (as last seen, else as the invoice copies it), an invoice line's, its price's,
 * its product's. The idea is metadata `idea`, else `idea_id`; the stream is `stream`.
 */
export function attributionOf(
  sessions: CheckoutSession[],
  intents: PaymentIntent[],
  charges: Charge[],
  invoices: Invoice[],
  subscriptions: Map<string, Subscription>,
): { idea: string | null; stream: string | null } {
  const places: (Record<string, string> | null | undefined)[] = [
    ...sessions.map((s) => s.metadata),
    ...intents.map((p) => p.metadata),
    ...charges.map((c) => c.metadata),
  ];
  for (const s of sessions) places.push(subscriptions.get(idOf(s.subscription) ?? "")?.metadata);
  for (const i of invoices) {
    places.push(subscriptions.get(subscriptionOfInvoice(i) ?? "")?.metadata);
    places.push(i.parent?.subscription_details?.metadata, i.subscription_details?.metadata);
  }
  const lines = invoices.flatMap((i) => i.lines?.data ?? []);
  places.push(...lines.map((l) => l.metadata));
  places.push(...lines.map((l) => l.price?.metadata));
  places.push(
    ...lines.map((l) => (typeof l.price?.product === "object" ? l.price.product?.metadata : undefined)),
  );
  const first = (...keys: string[]) => {
    for (const place of places)
      for (const key of keys) {
        const value = place?.[key]?.trim();
        if (value) return value;
      }
    return null;
  };
  return { idea: first("idea", "idea_id"), stream: first("stream") };
}

const date = (unixSeconds: number) => new Date(unixSeconds * 1000);
