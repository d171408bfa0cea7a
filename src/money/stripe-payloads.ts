import { z } from "zod";
import { StewardError } from "../errors.ts";

/**
 * What Steward reads of Stripe's objects, and how an event becomes snapshots of objects and the
 * links between them. Only the fields Steward uses are checked; every other field passes (Stripe
 * adds fields in every API version). Both shapes in use since 2024 are read: an invoice names its
 * charge and payment intent directly (before 2025-03-31) or under `payments` as invoice_payment
 * objects (after); a subscription's metadata on the invoice is under `subscription_details` or
 * `parent.subscription_details`.
 */

/** An id, or the object itself when expanded. */
const ref = z.union([z.string(), z.looseObject({ id: z.string() })]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();
const seconds = z.number().int();
const amount = z.number().int();
const currency = z.string().regex(/^[A-Za-z]{3}$/, "a three-letter ISO currency code");

export const balanceTransactionSchema = z.looseObject({
  id: z.string(),
  amount,
  fee: amount.nullish(),
  currency,
  created: seconds,
});

export const refundSchema = z.looseObject({
  id: z.string(),
  object: z.literal("refund"),
  amount,
  currency,
  charge: ref,
  payment_intent: ref,
  status: z.string().nullish(),
  created: seconds,
  metadata,
});

export const chargeSchema = z.looseObject({
  id: z.string(),
  object: z.literal("charge"),
  amount,
  amount_captured: amount.nullish(),
  amount_refunded: amount,
  currency,
  created: seconds,
  status: z.enum(["succeeded", "pending", "failed"]),
  captured: z.boolean().nullish(),
  payment_intent: ref,
  invoice: ref,
  customer: ref,
  metadata,
  balance_transaction: z.union([z.string(), balanceTransactionSchema]).nullish(),
  refunds: z.looseObject({ data: z.array(refundSchema) }).nullish(),
});

export const paymentIntentSchema = z.looseObject({
  id: z.string(),
  object: z.literal("payment_intent"),
  amount,
  amount_received: amount.nullish(),
  currency,
  created: seconds,
  status: z.string(),
  latest_charge: ref,
  invoice: ref,
  customer: ref,
  metadata,
});

export const checkoutSessionSchema = z.looseObject({
  id: z.string(),
  object: z.literal("checkout.session"),
  status: z.enum(["open", "complete", "expired"]).nullish(),
  payment_status: z.string(),
  mode: z.string().nullish(),
  amount_total: amount.nullish(),
  currency: currency.nullish(),
  created: seconds,
  payment_intent: ref,
  invoice: ref,
  subscription: ref,
  customer: ref,
  metadata,
});

const invoicePaymentTarget = z.looseObject({
  type: z.string(),
  payment_intent: ref,
  charge: ref,
});

export const invoicePaymentSchema = z.looseObject({
  id: z.string(),
  object: z.literal("invoice_payment"),
  invoice: ref,
  amount_paid: amount.nullish(),
  currency: currency.nullish(),
  status: z.string().nullish(),
  payment: invoicePaymentTarget,
  created: seconds.nullish(),
});

const priceSchema = z.looseObject({
  id: z.string(),
  metadata,
  product: z.union([z.string(), z.looseObject({ id: z.string(), metadata })]).nullish(),
});

const invoiceLineSchema = z.looseObject({
  metadata,
  price: priceSchema.nullish(),
});

export const invoiceSchema = z.looseObject({
  id: z.string(),
  object: z.literal("invoice"),
  status: z.string().nullish(),
  amount_paid: amount,
  currency,
  created: seconds,
  customer: ref,
  subscription: ref,
  subscription_details: z.looseObject({ metadata }).nullish(),
  parent: z
    .looseObject({
      subscription_details: z.looseObject({ subscription: ref, metadata }).nullish(),
    })
    .nullish(),
  charge: ref,
  payment_intent: ref,
  payments: z.looseObject({ data: z.array(invoicePaymentSchema) }).nullish(),
  lines: z.looseObject({ data: z.array(invoiceLineSchema) }).nullish(),
  status_transitions: z.looseObject({ paid_at: seconds.nullish() }).nullish(),
  metadata,
});

export const disputeSchema = z.looseObject({
  id: z.string(),
  object: z.literal("dispute"),
  amount,
  currency,
  charge: ref,
  payment_intent: ref,
  status: z.string(),
  created: seconds,
  balance_transactions: z.array(balanceTransactionSchema).nullish(),
});

export const subscriptionSchema = z.looseObject({
  id: z.string(),
  object: z.literal("subscription"),
  status: z.string(),
  customer: ref,
  created: seconds,
  metadata,
});

export const customerSchema = z.looseObject({
  id: z.string(),
  object: z.literal("customer"),
  created: seconds,
  metadata,
});

export type Charge = z.infer<typeof chargeSchema>;
export type PaymentIntent = z.infer<typeof paymentIntentSchema>;
export type CheckoutSession = z.infer<typeof checkoutSessionSchema>;
export type Invoice = z.infer<typeof invoiceSchema>;
export type InvoicePayment = z.infer<typeof invoicePaymentSchema>;
export type Refund = z.infer<typeof refundSchema>;
export type Dispute = z.infer<typeof disputeSchema>;
export type Subscription = z.infer<typeof subscriptionSchema>;
export type BalanceTransaction = z.infer<typeof balanceTransactionSchema>;

/** The id an id-or-object field names. */
export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (value == null) return undefined;
  return typeof value === "string" ? value : value.id;
}

/** One object's state as an event showed it, ready to keep if it is the newest. */
export interface Snapshot {
  id: string;
  object: string;
  /** Compared element by element (then the event id): the greater is the newer state. */
  orderKey: number[];
  data: Record<string, unknown>;
}

export interface Link {
  id: string;
  linked: string;
  kind: "money" | "attribution";
}

export interface Reading {
  snapshots: Snapshot[];
  links: Link[];
}

/** The event types Steward reads, by the object they carry. Others are stored and marked ignored. */
const handledTypes: Record<string, string> = {
  "checkout.session.completed": "checkout.session",
  "checkout.session.expired": "checkout.session",
  "checkout.session.async_payment_succeeded": "checkout.session",
  "checkout.session.async_payment_failed": "checkout.session",
  "payment_intent.created": "payment_intent",
  "payment_intent.succeeded": "payment_intent",
  "payment_intent.payment_failed": "payment_intent",
  "payment_intent.canceled": "payment_intent",
  "payment_intent.processing": "payment_intent",
  "charge.succeeded": "charge",
  "charge.failed": "charge",
  "charge.refunded": "charge",
  "charge.captured": "charge",
  "charge.updated": "charge",
  "charge.refund.updated": "refund",
  "refund.created": "refund",
  "refund.updated": "refund",
  "refund.failed": "refund",
  "charge.dispute.created": "dispute",
  "charge.dispute.updated": "dispute",
  "charge.dispute.closed": "dispute",
  "charge.dispute.funds_withdrawn": "dispute",
  "charge.dispute.funds_reinstated": "dispute",
  "invoice.paid": "invoice",
  "invoice.payment_succeeded": "invoice",
  "invoice.payment_failed": "invoice",
  "invoice.finalized": "invoice",
  "invoice_payment.paid": "invoice_payment",
  "customer.subscription.created": "subscription",
  "customer.subscription.updated": "subscription",
  "customer.subscription.deleted": "subscription",
  "customer.created": "customer",
  "customer.updated": "customer",
};

export function handlesEventType(type: string): boolean {
  return type in handledTypes;
}

export const handledEventTypes: readonly string[] = Object.keys(handledTypes);

/**
 * The snapshots and links an event's `data.object` gives, or undefined for a type Steward does
 * not read. An object of another shape is refused with the field that is wrong, as
 * `data.object.<path>: <what was expected>`: the event is marked failed with that reason.
 */
export function readStripeObject(type: string, object: unknown, eventCreated: number): Reading | undefined {
  const kind = handledTypes[type];
  if (kind === undefined) return undefined;
  const reading: Reading = { snapshots: [], links: [] };
  const link = (id: string | undefined, linked: string | undefined, kind: Link["kind"] = "money") => {
    if (id && linked && id !== linked) reading.links.push({ id, linked, kind });
  };
  const keep = (id: string, object: string, rank: number[], data: Record<string, unknown>) =>
    reading.snapshots.push({ id, object, orderKey: [...rank, eventCreated], data });

  switch (kind) {
    case "charge": {
      const c = parse(chargeSchema, object);
      keep(c.id, "charge", chargeRank(c), c);
      link(c.id, idOf(c.payment_intent));
      link(c.id, idOf(c.invoice));
      for (const r of c.refunds?.data ?? []) {
        keep(r.id, "refund", refundRank(r), r);
        link(r.id, c.id);
      }
      break;
    }
    case "refund": {
      const r = parse(refundSchema, object);
      keep(r.id, "refund", refundRank(r), r);
      link(r.id, idOf(r.charge));
      link(r.id, idOf(r.payment_intent));
      break;
    }
    case "payment_intent": {
      const p = parse(paymentIntentSchema, object);
      keep(p.id, "payment_intent", [p.status === "succeeded" || p.status === "canceled" ? 1 : 0], p);
      link(p.id, idOf(p.latest_charge));
      link(p.id, idOf(p.invoice));
      break;
    }
    case "checkout.session": {
      const s = parse(checkoutSessionSchema, object);
      keep(
        s.id,
        "checkout.session",
        [s.status === "open" || s.status == null ? 0 : 1, s.payment_status === "paid" ? 1 : 0],
        s,
      );
      link(s.id, idOf(s.payment_intent));
      link(s.id, idOf(s.invoice));
      link(s.id, idOf(s.subscription), "attribution");
      break;
    }
    case "invoice": {
      const i = parse(invoiceSchema, object);
      keep(i.id, "invoice", [invoiceRanks[i.status ?? ""] ?? 0], i);
      link(i.id, idOf(i.payment_intent));
      link(i.id, idOf(i.charge));
      for (const p of i.payments?.data ?? []) {
        link(i.id, idOf(p.payment.payment_intent));
        link(i.id, idOf(p.payment.charge));
      }
      link(i.id, subscriptionOfInvoice(i), "attribution");
      break;
    }
    case "invoice_payment": {
      const p = parse(invoicePaymentSchema, object);
      keep(p.id, "invoice_payment", [p.status === "paid" ? 1 : 0], p);
      const invoice = idOf(p.invoice);
      link(invoice, idOf(p.payment.payment_intent));
      link(invoice, idOf(p.payment.charge));
      link(p.id, invoice);
      break;
    }
    case "dispute": {
      const d = parse(disputeSchema, object);
      keep(d.id, "dispute", [disputeRanks[d.status] ?? 0, d.balance_transactions?.length ?? 0], d);
      link(d.id, idOf(d.charge));
      link(d.id, idOf(d.payment_intent));
      break;
    }
    case "subscription": {
      const s = parse(subscriptionSchema, object);
      keep(s.id, "subscription", [s.status === "canceled" || s.status === "incomplete_expired" ? 1 : 0], s);
      break;
    }
    case "customer": {
      const c = parse(customerSchema, object);
      keep(c.id, "customer", [], c);
      break;
    }
  }
  // Both ways, so that a payment's objects are found from any of them.
  reading.links = reading.links.flatMap((l) => [l, { id: l.linked, linked: l.id, kind: l.kind }]);
  return reading;
}

export function subscriptionOfInvoice(invoice: Invoice): string | undefined {
  return idOf(invoice.subscription) ?? idOf(invoice.parent?.subscription_details?.subscription);
}

// A charge is pending, then succeeded or failed (never both); captured later when authorised first.
function chargeRank(c: Charge): number[] {
  return [c.status === "pending" ? 0 : 1, c.captured ? 1 : 0];
}

// A refund may fail or be cancelled after it succeeded; never the other way.
function refundRank(r: Refund): number[] {
  const status = r.status ?? "pending";
  return [status === "succeeded" ? 1 : status === "failed" || status === "canceled" ? 2 : 0];
}

// An uncollectible invoice may still be paid; paid and void are final.
const invoiceRanks: Record<string, number> = { draft: 0, open: 1, uncollectible: 2, paid: 3, void: 3 };

// Inquiries (warning_*) come first and may turn into disputes; won and lost are final.
const disputeRanks: Record<string, number> = {
  warning_needs_response: 0,
  warning_under_review: 1,
  warning_closed: 2,
  needs_response: 3,
  under_review: 4,
  won: 5,
  lost: 5,
};

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = ["data", "object", ...issue.path.map(String)].join(".");
  throw new StewardError("validation_failed", `unsupported shape at ${path}: ${issue.message}`, {
    details: { field: path },
  });
}
