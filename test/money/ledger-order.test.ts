import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import {
  checkoutPayment,
  deliver,
  ledgerLines,
  type StripeEvent,
  stripeEvent,
  stripeObject,
  t0,
} from "./stripe-fixtures.ts";

/**
 * A month of one product's Stripe events: checkouts for two ideas, a payment refunded in two
 * steps and then by its refund objects, a dispute won, a subscription invoice whose subscription
 * event comes later, a yen payment without attribution, test-mode money, an ignored type.
 */
function aMonthOfEvents(): StripeEvent[] {
  const a = checkoutPayment("a", { metadata: { idea: "summarizer", stream: "checkout" } });
  const b = checkoutPayment("b", { amount: 4900, metadata: { idea: "translator" } });
  const yen = checkoutPayment("y", { amount: 3000, currency: "jpy" });
  const test = checkoutPayment("t", { amount: 100 });
  const refunded = (n: number) => b.charge({ amount_refunded: n });
  const refund = (id: string, amount: number, created: number) =>
    stripeObject("refund", {
      id,
      amount,
      currency: "usd",
      charge: b.ids.ch,
      payment_intent: b.ids.pi,
      status: "succeeded",
      created,
    });
  const withdrawn = stripeObject("balance_transaction", {
    id: "txn_w",
    amount: -2000,
    fee: 1500,
    currency: "usd",
    created: t0 + 900,
  });
  const reinstated = stripeObject("balance_transaction", {
    id: "txn_r",
    amount: 2000,
    fee: 0,
    currency: "usd",
    created: t0 + 2000,
  });
  const dispute = (status: string, moves: unknown[]) =>
    stripeObject("dispute", {
      id: "dp_a",
      amount: 2000,
      currency: "usd",
      charge: a.ids.ch,
      payment_intent: a.ids.pi,
      status,
      created: t0 + 900,
      balance_transactions: moves,
    });
  const s = checkoutPayment("s", { amount: 1500 });
  const invoice = stripeObject("invoice", {
    id: "in_s",
    status: "paid",
    amount_paid: 1500,
    currency: "usd",
    created: t0 + 50,
    subscription: "sub_s",
    payment_intent: s.ids.pi,
    charge: s.ids.ch,
  });
  const subscription = (status: string) =>
    stripeObject("subscription", {
      id: "sub_s",
      status,
      created: t0,
      customer: "cus_s",
      metadata: { idea: "writer", stream: "subscriptions" },
    });
  return [
    stripeEvent("evt_01", "checkout.session.completed", a.session, t0 + 5),
    stripeEvent("evt_02", "payment_intent.succeeded", a.intent, t0 + 4),
    stripeEvent("evt_03", "charge.succeeded", a.charge(), t0 + 4),
    stripeEvent("evt_04", "charge.succeeded", b.charge(), t0 + 10),
    stripeEvent("evt_05", "checkout.session.completed", b.session, t0 + 11),
    stripeEvent("evt_06", "charge.refunded", refunded(1000), t0 + 100),
    stripeEvent("evt_07", "charge.refunded", refunded(2500), t0 + 200),
    stripeEvent("evt_08", "charge.refund.updated", refund("re_b1", 1000, t0 + 100), t0 + 300),
    stripeEvent("evt_09", "charge.dispute.created", dispute("needs_response", [withdrawn]), t0 + 900),
    stripeEvent("evt_10", "charge.dispute.closed", dispute("won", [withdrawn, reinstated]), t0 + 2000),
    stripeEvent("evt_11", "invoice.paid", invoice, t0 + 50),
    stripeEvent("evt_12", "charge.succeeded", s.charge(), t0 + 50),
    stripeEvent("evt_13", "customer.subscription.created", subscription("active"), t0),
    stripeEvent("evt_14", "customer.subscription.deleted", subscription("canceled"), t0 + 5000),
    stripeEvent("evt_15", "charge.succeeded", yen.charge(), t0 + 60),
    stripeEvent("evt_16", "charge.succeeded", test.charge(), t0 + 70, { livemode: false }),
    stripeEvent("evt_17", "payout.paid", { id: "po_1", object: "payout" }, t0 + 80),
  ];
}

describe(`the Stripe ledger against delivery order on ${backend}`, () => {
  it("gives the same ledger for any order of the same events, each delivered one to three times", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const events = aMonthOfEvents();
    await deliver(db, events);
    const expected = await ledgerLines(db);
    // What the month comes to, written out: the order-independence below is about this ledger.
    assert.deepEqual(expected, [
      "dispute:txn_r dispute_reversal 2000 usd summarizer checkout",
      "dispute:txn_w dispute -2000 usd summarizer checkout",
      "fee:txn_w fee -1500 usd summarizer checkout",
      "refund:ch_b:rest refund -1500 usd translator -",
      "refund:re_b1 refund -1000 usd translator -",
      "revenue:pi_a revenue 2000 usd summarizer checkout",
      "revenue:pi_b revenue 4900 usd translator -",
      "revenue:pi_s revenue 1500 usd writer subscriptions",
      "revenue:pi_t revenue 100 usd - -",
      "revenue:pi_y revenue 3000 jpy - -",
    ]);
    const clear = () => db.exec("TRUNCATE stripe_events, stripe_objects, stripe_links, money_entries");
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length }),
        fc.infiniteStream(fc.nat()),
        async (times, picks) => {
          const deliveries = events.flatMap((e, i) => Array.from({ length: times[i]! }, () => e));
          // A shuffle driven by the generated stream, so that fast-check can shrink a failing order.
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = picks.next().value % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          await clear();
          await deliver(db, deliveries);
          assert.deepEqual(
            await ledgerLines(db),
            expected,
            `order: ${deliveries.map((e) => e.id).join(" ")}`,
          );
        },
      ),
      { numRuns: backend === "pglite" ? 25 : 40 },
    );
  });
});
