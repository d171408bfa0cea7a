import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { ledgerTotals, listLedger } from "../../src/money/ledger.ts";
import { listStripeEvents } from "../../src/money/stripe-events.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { checkoutPayment, deliver, ledgerLines, stripeEvent, stripeObject, t0 } from "./stripe-fixtures.ts";

async function inbox(t: TestContext) {
  const { db } = await createTestDatabase(t);
  await testDeps(db);
  return db;
}

describe(`the Stripe ledger on ${backend}`, () => {
  it("counts one payment once, however many of its events arrive, keyed to its payment intent", async (t) => {
    const db = await inbox(t);
    const p = checkoutPayment("1", { metadata: { idea: "onboarding-bot", stream: "checkout" } });
    const events = [
      stripeEvent("evt_cs", "checkout.session.completed", p.session, t0 + 3),
      stripeEvent("evt_pi", "payment_intent.succeeded", p.intent, t0 + 1),
      stripeEvent("evt_ch", "charge.succeeded", p.charge(), t0 + 1),
    ];
    const outcomes = await deliver(db, [...events, events[0]!, events[2]!]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["processed", "processed", "processed", "processed", "processed"],
    );
    assert.deepEqual(await ledgerLines(db), ["revenue:pi_1 revenue 2000 usd onboarding-bot checkout"]);
    const [entry] = await listLedger(db);
    assert.equal(entry!.stripeObject, "pi_1");
    assert.equal(entry!.occurredAt, new Date(t0 * 1000).toISOString());

    // The session alone (its charge's events not subscribed to) still counts the payment, once.
    const alone = await inbox(t);
    await deliver(alone, [events[0]!]);
    assert.deepEqual(await ledgerLines(alone), ["revenue:pi_1 revenue 2000 usd onboarding-bot checkout"]);
  });

  it("counts partial and repeated refunds by their difference, in whatever order they arrive", async (t) => {
    const p = checkoutPayment("2");
    const refunded = (amount: number) => p.charge({ amount_refunded: amount, refunded: amount === p.amount });
    const events = [
      stripeEvent("evt_ch", "charge.succeeded", p.charge(), t0),
      stripeEvent("evt_r1", "charge.refunded", refunded(500), t0 + 100),
      stripeEvent("evt_r2", "charge.refunded", refunded(800), t0 + 200),
    ];
    const inOrder = await inbox(t);
    await deliver(inOrder, events);
    const expected = [
      "refund:ch_2:evt_r1 refund -500 usd - -",
      "refund:ch_2:evt_r2 refund -300 usd - -",
      "revenue:pi_2 revenue 2000 usd - -",
    ];
    assert.deepEqual(await ledgerLines(inOrder), expected);
    // The refunds before the charge, the last refund first.
    const reversed = await inbox(t);
    await deliver(reversed, [events[2]!, events[1]!, events[0]!]);
    assert.deepEqual(await ledgerLines(reversed), expected);

    // Once the refunds themselves are known, each counts as itself and the total is unchanged.
    const refund = (id: string, amount: number, created: number) =>
      stripeObject("refund", {
        id,
        amount,
        currency: "usd",
        charge: p.ids.ch,
        payment_intent: p.ids.pi,
        status: "succeeded",
        created,
      });
    await deliver(inOrder, [
      stripeEvent("evt_re1", "charge.refund.updated", refund("re_1", 500, t0 + 100), t0 + 101),
      stripeEvent("evt_re2", "refund.updated", refund("re_2", 300, t0 + 200), t0 + 201),
    ]);
    assert.deepEqual(await ledgerLines(inOrder), [
      "refund:re_1 refund -500 usd - -",
      "refund:re_2 refund -300 usd - -",
      "revenue:pi_2 revenue 2000 usd - -",
    ]);
    const [totals] = await ledgerTotals(inOrder, { mode: "all" });
    assert.equal(totals!.revenue, 2000);
    assert.equal(totals!.refunds, -800);
    assert.equal(totals!.net, 1200);
  });

  it("takes a dispute's money when it is withdrawn and gives it back when won; a lost one keeps it; an inquiry moves none", async (t) => {
    const db = await inbox(t);
    const won = checkoutPayment("won");
    const lost = checkoutPayment("lost");
    const inquiry = checkoutPayment("inq");
    const bt = (id: string, amount: number, fee: number, created: number) =>
      stripeObject("balance_transaction", { id, amount, fee, currency: "usd", created, type: "adjustment" });
    const withdrawn = bt("txn_w", -2000, 1500, t0 + 10);
    const reinstated = bt("txn_r", 2000, 0, t0 + 50);
    const dispute = (id: string, charge: string, status: string, moves: unknown[]) =>
      stripeObject("dispute", {
        id,
        amount: 2000,
        currency: "usd",
        charge,
        payment_intent: null,
        status,
        created: t0 + 10,
        balance_transactions: moves,
      });
    await deliver(db, [
      stripeEvent("evt_c1", "charge.succeeded", won.charge(), t0),
      stripeEvent("evt_c2", "charge.succeeded", lost.charge(), t0),
      stripeEvent("evt_c3", "charge.succeeded", inquiry.charge(), t0),
      // Won: closed arrives before the funds were withdrawn.
      stripeEvent(
        "evt_d1c",
        "charge.dispute.closed",
        dispute("dp_won", won.ids.ch, "won", [withdrawn, reinstated]),
        t0 + 50,
      ),
      stripeEvent(
        "evt_d1w",
        "charge.dispute.funds_withdrawn",
        dispute("dp_won", won.ids.ch, "needs_response", [withdrawn]),
        t0 + 10,
      ),
      stripeEvent(
        "evt_d1r",
        "charge.dispute.funds_reinstated",
        dispute("dp_won", won.ids.ch, "won", [withdrawn, reinstated]),
        t0 + 50,
      ),
      // Lost: a payload without its balance transactions.
      stripeEvent(
        "evt_d2",
        "charge.dispute.created",
        dispute("dp_lost", lost.ids.ch, "needs_response", []),
        t0 + 10,
      ),
      stripeEvent("evt_d2c", "charge.dispute.closed", dispute("dp_lost", lost.ids.ch, "lost", []), t0 + 60),
      stripeEvent(
        "evt_d3",
        "charge.dispute.created",
        dispute("dp_inq", inquiry.ids.ch, "warning_needs_response", []),
        t0 + 10,
      ),
    ]);
    assert.deepEqual(await ledgerLines(db), [
      "dispute:dp_lost dispute -2000 usd - -",
      "dispute:txn_r dispute_reversal 2000 usd - -",
      "dispute:txn_w dispute -2000 usd - -",
      "fee:txn_w fee -1500 usd - -",
      "revenue:pi_inq revenue 2000 usd - -",
      "revenue:pi_lost revenue 2000 usd - -",
      "revenue:pi_won revenue 2000 usd - -",
    ]);
  });

  it("reads invoices of both shapes: the charge named on the invoice, or under payments", async (t) => {
    const db = await inbox(t);
    const subscription = stripeObject("subscription", {
      id: "sub_1",
      status: "active",
      customer: "cus_1",
      created: t0,
      metadata: { idea: "writer", stream: "subscriptions" },
    });
    const old = checkoutPayment("old", { amount: 1500 });
    const oldInvoice = stripeObject("invoice", {
      id: "in_old",
      status: "paid",
      amount_paid: 1500,
      currency: "usd",
      created: t0,
      customer: "cus_1",
      subscription: "sub_1",
      charge: old.ids.ch,
      payment_intent: old.ids.pi,
      status_transitions: { paid_at: t0 + 5 },
    });
    const fresh = checkoutPayment("new", { amount: 1500 });
    const { charge: _c, payment_intent: _p, subscription: _s, ...basilBase } = stripeObject("invoice", {});
    const newInvoice = {
      ...basilBase,
      id: "in_new",
      status: "paid",
      amount_paid: 1500,
      currency: "usd",
      created: t0 + 86_400 * 30,
      customer: "cus_1",
      parent: { type: "subscription_details", subscription_details: { subscription: "sub_1", metadata: {} } },
      payments: {
        object: "list",
        data: [
          {
            id: "inpay_1",
            object: "invoice_payment",
            invoice: "in_new",
            amount_paid: 1500,
            currency: "usd",
            status: "paid",
            payment: { type: "payment_intent", payment_intent: fresh.ids.pi },
            created: t0 + 86_400 * 30,
          },
        ],
      },
    };
    await deliver(db, [
      stripeEvent("evt_i1", "invoice.paid", oldInvoice, t0 + 5, { apiVersion: "2024-06-20" }),
      stripeEvent("evt_c1", "charge.succeeded", old.charge(), t0 + 5),
      stripeEvent("evt_i2", "invoice.paid", newInvoice, t0 + 86_400 * 30, { apiVersion: "2025-03-31.basil" }),
      stripeEvent(
        "evt_p2",
        "payment_intent.succeeded",
        { ...fresh.intent, created: t0 + 86_400 * 30 },
        t0 + 86_400 * 30,
      ),
      // The subscription's own event arrives last; its metadata attributes both invoices' money.
      stripeEvent("evt_s", "customer.subscription.created", subscription, t0),
    ]);
    assert.deepEqual(await ledgerLines(db), [
      "revenue:pi_new revenue 1500 usd writer subscriptions",
      "revenue:pi_old revenue 1500 usd writer subscriptions",
    ]);
  });

  it("attributes from each metadata place, in the documented order", async (t) => {
    const places = ["session", "intent", "charge", "subscription", "line", "price", "product"] as const;
    for (const [i, place] of places.entries()) {
      const db = await inbox(t);
      const p = checkoutPayment(`${i}`, { metadata: place === "session" ? { idea: "from-session" } : {} });
      const meta = (here: (typeof places)[number]) =>
        place === here ? { idea_id: `from-${here}`, stream: here } : {};
      const product = { id: "prod_1", object: "product", metadata: meta("product") };
      const invoice = stripeObject("invoice", {
        id: `in_${i}`,
        status: "paid",
        amount_paid: p.amount,
        currency: "usd",
        created: t0,
        subscription: "sub_a",
        subscription_details: { metadata: {} },
        payment_intent: p.ids.pi,
        charge: null,
        lines: {
          object: "list",
          data: [
            {
              id: "il_1",
              metadata: meta("line"),
              price: { id: "price_1", metadata: meta("price"), product },
            },
          ],
        },
      });
      const session = {
        ...p.session,
        subscription: "sub_a",
        invoice: `in_${i}`,
        payment_intent: null,
        mode: "subscription",
      };
      await deliver(db, [
        stripeEvent(
          "evt_s",
          "customer.subscription.updated",
          stripeObject("subscription", {
            id: "sub_a",
            status: "active",
            created: t0,
            metadata: meta("subscription"),
          }),
          t0,
        ),
        stripeEvent("evt_cs", "checkout.session.completed", session, t0),
        stripeEvent("evt_pi", "payment_intent.succeeded", { ...p.intent, metadata: meta("intent") }, t0),
        stripeEvent("evt_ch", "charge.succeeded", p.charge({ metadata: meta("charge") }), t0),
        stripeEvent("evt_in", "invoice.paid", invoice, t0),
      ]);
      const [entry, ...rest] = await listLedger(db, { mode: "all" });
      assert.equal(rest.length, 0, place);
      assert.equal(entry!.idea, `from-${place}`, `the idea from the ${place}`);
      if (place !== "session") assert.equal(entry!.stream, place);
    }
    // The session's metadata wins over the payment intent's; the stream falls to the next place that has one.
    const db = await inbox(t);
    const p = checkoutPayment("both", { metadata: { idea: "session-idea" } });
    await deliver(db, [
      stripeEvent(
        "evt_pi",
        "payment_intent.succeeded",
        { ...p.intent, metadata: { idea: "intent-idea", stream: "ads" } },
        t0,
      ),
      stripeEvent("evt_cs", "checkout.session.completed", p.session, t0),
    ]);
    assert.deepEqual(await ledgerLines(db), ["revenue:pi_both revenue 2000 usd session-idea ads"]);
  });

  it("keeps revenue without attribution, currencies apart (zero-decimal ones in their main unit), test mode apart", async (t) => {
    const db = await inbox(t);
    const yen = checkoutPayment("jpy", { amount: 5000, currency: "jpy" });
    const euro = checkoutPayment("eur", { amount: 1999, currency: "eur", metadata: { idea: "translator" } });
    const test = checkoutPayment("test", { amount: 700 });
    await deliver(db, [
      stripeEvent("evt_y", "charge.succeeded", yen.charge(), t0),
      stripeEvent("evt_e", "charge.succeeded", euro.charge(), t0),
      stripeEvent("evt_ec", "checkout.session.completed", euro.session, t0),
      stripeEvent("evt_t", "charge.succeeded", test.charge(), t0, { livemode: false }),
    ]);
    const totals = await ledgerTotals(db);
    assert.deepEqual(
      totals.map((c) => [c.currency, c.revenue, c.unattributedRevenue]),
      [
        ["eur", 1999, 0],
        ["jpy", 5000, 5000],
      ],
    );
    assert.deepEqual(
      (await listLedger(db, { idea: "unattributed" })).map((e) => e.sourceId),
      ["revenue:pi_jpy"],
    );
    assert.deepEqual(
      (await listLedger(db, { mode: "test" })).map((e) => [e.sourceId, e.livemode]),
      [["revenue:pi_test", false]],
    );
    assert.equal((await listLedger(db, { mode: "all" })).length, 3);
  });

  it("ignores and counts types it does not read; fails an unreadable shape naming the field, changing nothing", async (t) => {
    const db = await inbox(t);
    const p = checkoutPayment("bad");
    const [ignored, bad] = await deliver(db, [
      stripeEvent("evt_x", "product.created", { id: "prod_1", object: "product" }, t0),
      stripeEvent("evt_bad", "charge.succeeded", p.charge({ amount_captured: "2000" }), t0),
    ]);
    assert.equal(ignored!.status, "ignored");
    assert.equal(bad!.status, "failed");
    assert.match(bad!.error!, /data\.object\.amount_captured/);
    const events = await listStripeEvents(db);
    assert.deepEqual(
      events.map((e) => [e.id, e.status, e.attempts]),
      [
        ["evt_x", "ignored", 1],
        ["evt_bad", "failed", 1],
      ].sort((a, b) => (a[0]! < b[0]! ? 1 : -1)),
    );
    assert.match((await listStripeEvents(db, { status: "failed" }))[0]!.error!, /amount_captured/);
    assert.deepEqual(await ledgerLines(db), []);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM stripe_objects");
    assert.equal(rows[0]!.n, 0, "no object kept from the failed event");
  });

  it("never lets an older subscription snapshot replace a newer one: deleted before updated", async (t) => {
    const db = await inbox(t);
    const sub = (status: string) =>
      stripeObject("subscription", { id: "sub_x", status, created: t0, metadata: {} });
    await deliver(db, [
      stripeEvent("evt_del", "customer.subscription.deleted", sub("canceled"), t0 + 100),
      stripeEvent("evt_upd", "customer.subscription.updated", sub("past_due"), t0 + 50),
      stripeEvent("evt_upd2", "customer.subscription.updated", sub("active"), t0 + 200),
    ]);
    const { rows } = await db.query<{ status: string; event_id: string }>(
      "SELECT data ->> 'status' AS status, event_id FROM stripe_objects WHERE id = 'sub_x'",
    );
    assert.deepEqual(rows[0], { status: "canceled", event_id: "evt_del" });
  });
});
