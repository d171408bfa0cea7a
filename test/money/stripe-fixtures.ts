import { readFileSync } from "node:fs";
import type { Database } from "../../src/db/database.ts";
import { listLedger } from "../../src/money/ledger.ts";
import { processStripeEvent } from "../../src/money/stripe-processing.ts";

/**
 * Stripe's own example objects (fixtures/stripe-objects.json, from stripe/openapi), with the state
 * each test sets: the shapes are Stripe's, the states and amounts the test's.
 */
const examples = JSON.parse(
  readFileSync(new URL("./fixtures/stripe-objects.json", import.meta.url), "utf8"),
) as Record<string, Record<string, unknown>>;

export type StripeObject = Record<string, unknown>;

/** Stripe's example `resource` with these fields set (top level; nested objects are replaced whole). */
export function stripeObject(resource: string, fields: StripeObject): StripeObject {
  const example = examples[resource];
  if (!example) throw new Error(`no example object for ${resource}`);
  return { ...structuredClone(example), ...fields };
}

export interface StripeEvent {
  id: string;
  object: "event";
  type: string;
  created: number;
  livemode: boolean;
  api_version: string;
  data: { object: StripeObject; previous_attributes?: StripeObject };
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
}

export const t0 = 1_790_000_000;

export function stripeEvent(
  id: string,
  type: string,
  object: StripeObject,
  created: number,
  options: { livemode?: boolean; apiVersion?: string } = {},
): StripeEvent {
  return {
    id,
    object: "event",
    type,
    created,
    livemode: options.livemode ?? true,
    api_version: options.apiVersion ?? "2024-06-20",
    data: { object: { ...object, livemode: options.livemode ?? true } },
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  };
}

/** Delivers the events to the inbox in this order (repeats included), processing each as it arrives. */
export async function deliver(db: Database, events: StripeEvent[]) {
  const outcomes = [];
  for (const event of events) {
    await storeEvent(db, event);
    outcomes.push(await processStripeEvent(db, event.id));
  }
  return outcomes;
}

/** The ledger as `source_id type amount currency idea stream` lines, in source-id order: easy to compare. */
export async function ledgerLines(db: Database, mode: "live" | "test" | "all" = "all"): Promise<string[]> {
  const rows = await listLedger(db, { mode });
  return rows
    .map((r) => `${r.sourceId} ${r.type} ${r.amountMinor} ${r.currency} ${r.idea ?? "-"} ${r.stream ?? "-"}`)
    .sort();
}

/** One card payment through Checkout: the session, its payment intent and its charge. */
export function checkoutPayment(
  n: string,
  options: { amount?: number; currency?: string; at?: number; metadata?: Record<string, string> } = {},
) {
  const amount = options.amount ?? 2000;
  const currency = options.currency ?? "usd";
  const at = options.at ?? t0;
  const ids = { cs: `cs_${n}`, pi: `pi_${n}`, ch: `ch_${n}` };
  const session = stripeObject("checkout.session", {
    id: ids.cs,
    status: "complete",
    payment_status: "paid",
    amount_total: amount,
    currency,
    payment_intent: ids.pi,
    created: at,
    metadata: options.metadata ?? {},
  });
  const intent = stripeObject("payment_intent", {
    id: ids.pi,
    status: "succeeded",
    amount,
    amount_received: amount,
    currency,
    latest_charge: ids.ch,
    created: at,
    metadata: {},
  });
  const charge = (fields: StripeObject = {}) =>
    stripeObject("charge", {
      id: ids.ch,
      status: "succeeded",
      captured: true,
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      currency,
      payment_intent: ids.pi,
      created: at,
      metadata: {},
      refunds: { object: "list", data: [], has_more: false, url: `/v1/charges/${ids.ch}/refunds` },
      ...fields,
    });
  return { ids, session, intent, charge, amount, currency, at };
}

/**
 * A subscription in a state: Stripe's example object with these items (price per interval,
 * quantity), created at `created`.
 */
export function subscription(
  id: string,
  customer: string,
  status: string,
  items: [number, string, number?][],
  currency = "usd",
  created = t0,
) {
  return stripeObject("subscription", {
    id,
    customer,
    status,
    currency,
    created,
    metadata: {},
    items: {
      object: "list",
      data: items.map(([amount, interval, quantity], i) => ({
        id: `si_${id}_${i}`,
        object: "subscription_item",
        quantity: quantity ?? 1,
        price: {
          id: `price_${amount}_${interval}`,
          object: "price",
          currency,
          unit_amount: amount,
          recurring: { interval, interval_count: 1 },
        },
      })),
    },
  });
}

/** Stores an event in the inbox as delivered, without a task: for tests that process it by hand. */
export async function storeEvent(db: Database, event: StripeEvent): Promise<void> {
  await db.query(
    `INSERT INTO stripe_events (id, type, livemode, api_version, created_at, payload)
     VALUES ($1, $2, $3, $4, to_timestamp($5), $6::jsonb)
     ON CONFLICT (id) DO UPDATE SET deliveries = stripe_events.deliveries + 1`,
    [event.id, event.type, event.livemode, event.api_version, event.created, JSON.stringify(event)],
  );
}
