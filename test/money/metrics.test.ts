import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import fc from "fast-check";
import { configSchema } from "../../src/config/config-schema.ts";
import { addExpenses } from "../../src/money/expenses.ts";
import { roiReport } from "../../src/money/money-queries.ts";
import { movementsOf, type SubscriptionState, subscriptionMrr } from "../../src/money/mrr.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { checkoutPayment, deliver, stripeEvent, stripeObject, subscription, t0 } from "./stripe-fixtures.ts";

const day = 86_400;
const at = (days: number) => new Date((t0 + days * day) * 1000);

async function moneyDb(t: TestContext) {
  const { db } = await createTestDatabase(t);
  await testDeps(db);
  return db;
}

const identity = (m: {
  start: number;
  new: number;
  expansion: number;
  reactivation: number;
  contraction: number;
  churn: number;
  end: number;
}) => m.start + m.new + m.expansion + m.reactivation - m.contraction - m.churn;

describe(`revenue metrics on ${backend}`, () => {
  it("moves MRR by new, expansion, contraction, churn and reactivation, and start plus movements is the end", async (t) => {
    const db = await moneyDb(t);
    let n = 0;
    const ev = (type: string, object: Record<string, unknown>, days: number) =>
      stripeEvent(`evt_${++n}`, type, object, t0 + days * day);
    await deliver(db, [
      ev("customer.subscription.created", subscription("sub_a", "cus_a", "active", [[1000, "month"]]), 0),
      ev("customer.subscription.updated", subscription("sub_a", "cus_a", "active", [[3000, "month"]]), 10),
      ev("customer.subscription.created", subscription("sub_b", "cus_b", "active", [[2000, "month"]]), 1),
      ev("customer.subscription.updated", subscription("sub_b", "cus_b", "active", [[500, "month"]]), 12),
      ev("customer.subscription.created", subscription("sub_c", "cus_c", "active", [[12_000, "year"]]), 2),
      ev("customer.subscription.deleted", subscription("sub_c", "cus_c", "canceled", [[12_000, "year"]]), 20),
      ev("customer.subscription.created", subscription("sub_d", "cus_d", "active", [[1500, "month"]]), 15),
      // cus_e paid, left before the period, and came back within it.
      ev("customer.subscription.created", subscription("sub_e1", "cus_e", "active", [[900, "month"]]), 0),
      ev("customer.subscription.deleted", subscription("sub_e1", "cus_e", "canceled", [[900, "month"]]), 3),
      ev("customer.subscription.created", subscription("sub_e2", "cus_e", "active", [[900, "month"]]), 25),
      // A trial is not MRR; its conversion is new MRR.
      ev("customer.subscription.created", subscription("sub_f", "cus_f", "trialing", [[4000, "month"]]), 6),
      ev("customer.subscription.updated", subscription("sub_f", "cus_f", "active", [[4000, "month"]]), 20),
      ev("customer.subscription.created", subscription("sub_g", "cus_g", "trialing", [[4000, "month"]]), 6),
      // Weekly seats, in euros.
      ev(
        "customer.subscription.created",
        subscription("sub_h", "cus_h", "active", [[300, "week", 2]], "eur"),
        1,
      ),
    ]);
    const { metrics } = await roiReport(
      db,
      configSchema.parse({}),
      { since: at(5), until: at(40), mode: "live" },
      at(40),
    );
    const usd = metrics.mrr.find((m) => m.currency === "usd")!;
    assert.deepEqual(
      {
        start: usd.start,
        new: usd.new,
        expansion: usd.expansion,
        reactivation: usd.reactivation,
        contraction: usd.contraction,
        churn: usd.churn,
        end: usd.end,
      },
      {
        start: 1000 + 2000 + 1000,
        new: 1500 + 4000,
        expansion: 2000,
        reactivation: 900,
        contraction: 1500,
        churn: 1000,
        end: 3000 + 500 + 1500 + 900 + 4000,
      },
    );
    assert.equal(identity(usd), usd.end);
    assert.equal(usd.customersAtStart, 3);
    assert.equal(usd.churnedCustomers, 1);
    assert.equal(usd.customerChurnRate, 1 / 3);
    assert.equal(usd.arpa, usd.end / 5);
    assert.equal(usd.ltv, usd.end / 5 / (1 / 3));
    const eur = metrics.mrr.find((m) => m.currency === "eur")!;
    assert.equal(eur.start, (300 * 2 * 52) / 12);
    assert.equal(eur.end, eur.start);
    assert.equal(eur.ltv, null, "nobody churned: LTV is undefined, not infinite");
  });

  it("holds the MRR identity for any history of subscription states", () => {
    const state = fc.record({
      sub: fc.integer({ min: 0, max: 5 }),
      customer: fc.integer({ min: 0, max: 3 }),
      at: fc.integer({ min: 0, max: 100 }),
      mrr: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000 })),
      currency: fc.constantFrom("usd", "eur"),
    });
    fc.assert(
      fc.property(
        fc.array(state, { maxLength: 40 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (raw, a, b) => {
          const states: SubscriptionState[] = raw
            .map((s, i) => ({
              id: `sub_${s.sub}`,
              customer: `cus_${s.customer}`,
              at: s.at,
              eventId: `evt_${String(i).padStart(3, "0")}`,
              currency: s.currency,
              mrr: s.mrr,
            }))
            .sort((x, y) => x.at - y.at || (x.eventId < y.eventId ? -1 : 1));
          for (const m of movementsOf(states, Math.min(a, b), Math.max(a, b))) {
            assert.ok(Math.abs(identity(m) - m.end) < 1e-6, JSON.stringify(m));
            for (const part of [m.new, m.expansion, m.reactivation, m.contraction, m.churn])
              assert.ok(part >= 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("normalises a subscription's items to a month, and counts only paying states", () => {
    const s = (status: string, items: [number, string, number?][]) =>
      subscriptionMrr(subscription("sub", "cus", status, items));
    assert.deepEqual(
      s("active", [
        [12_000, "year"],
        [500, "month", 3],
      ]),
      { currency: "usd", mrr: 1000 + 1500 },
    );
    assert.equal(s("past_due", [[1000, "month"]]).mrr, 1000);
    for (const status of ["trialing", "canceled", "unpaid", "incomplete", "paused"])
      assert.equal(s(status, [[1000, "month"]]).mrr, 0, status);
  });

  it("gives ROI by idea, stream and model, per currency, converted only through the rates given", async (t) => {
    const db = await moneyDb(t);
    await db.query(
      `INSERT INTO ideas (key, title, income_stream, created_at) VALUES ('summarizer', 'Summaries', 'subscriptions', $1)`,
      [at(-10)],
    );
    const a = checkoutPayment("a", { amount: 10_000, at: t0 + 2 * day, metadata: { idea: "summarizer" } });
    const b = checkoutPayment("b", {
      amount: 5_000,
      currency: "eur",
      at: t0 + 3 * day,
      metadata: { idea: "translator", stream: "checkout" },
    });
    const c = checkoutPayment("c", { amount: 700, at: t0 + 4 * day });
    const yen = checkoutPayment("d", { amount: 900, currency: "jpy", at: t0 + 5 * day });
    await deliver(db, [
      stripeEvent("evt_a", "checkout.session.completed", a.session, t0 + 2 * day),
      stripeEvent("evt_b", "checkout.session.completed", b.session, t0 + 3 * day),
      stripeEvent("evt_c", "charge.succeeded", c.charge(), t0 + 4 * day),
      stripeEvent("evt_d", "charge.succeeded", yen.charge(), t0 + 5 * day),
    ]);
    await addExpenses(
      db,
      [{ name: "Prompt design", amount: "20.00", currency: "usd", from: "2026-09-23", idea: "summarizer" }],
      at(30),
    );
    // AI spend as the workers' upkeep writes it (test/money/ai-usage.test.ts runs that path).
    await db.query(
      `INSERT INTO money_entries (source, source_id, type, amount_minor, currency, occurred_at, idea, stream, model)
       VALUES ('ai_usage', 'ai_usage:x:m1:summarizer', 'ai_usage', -1000, 'usd', $1, 'summarizer', 'subscriptions', 'm1'),
              ('ai_usage', 'ai_usage:x:m2:summarizer', 'ai_usage', -3000, 'usd', $1, 'summarizer', 'subscriptions', 'm2'),
              ('ai_usage', 'ai_usage:x:m2:none', 'ai_usage', -500, 'usd', $1, NULL, NULL, 'm2')`,
      [at(5)],
    );
    const config = configSchema.parse({
      money: { reportingCurrency: "usd", rates: { EUR: 1.1, jpy: 0.0067 } },
    });
    const period = { since: at(0), until: at(30), mode: "live" as const };
    const byIdea = (await roiReport(db, config, { ...period, by: "idea" }, at(30))).roi;
    const row = (rows: typeof byIdea.rows, key: string | null, currency = "usd") =>
      rows.find((r) => r.key === key && r.currency === currency)!;
    const summarizer = row(byIdea.rows, "summarizer");
    assert.equal(summarizer.revenue, 10_000);
    assert.equal(summarizer.cost, 2_000 + 4_000);
    assert.equal(summarizer.roi, (10_000 - 6_000) / 6_000);
    assert.equal(
      row(byIdea.rows, "translator", "eur").roi,
      null,
      "no cost in euros: ROI undefined, not infinite",
    );
    assert.equal(row(byIdea.rows, null).revenue, 700);
    assert.equal(row(byIdea.rows, null).aiSpend, 500);
    // Converted: the euros at 1.1, set against dollars only there.
    assert.equal(row(byIdea.converted.rows, "translator").revenue, 5_500);
    // Yen count no decimals, dollars two: ¥900 at 0.0067 is 6.03 dollars, 603 cents.
    assert.equal(row(byIdea.converted.rows, null).revenue, 700 + 603);
    assert.deepEqual(byIdea.converted.missingRates, []);

    const byStream = (await roiReport(db, config, { ...period, by: "stream" }, at(30))).roi;
    assert.equal(row(byStream.rows, "subscriptions").revenue, 10_000, "the idea's income stream");
    assert.equal(row(byStream.rows, "checkout", "eur").revenue, 5_000, "the payment's own stream");

    const byModel = (await roiReport(db, config, { ...period, by: "model" }, at(30))).roi;
    const m1 = row(byModel.rows, "m1");
    const m2 = row(byModel.rows, "m2");
    assert.equal(m1.revenue, 2_500, "a quarter of the idea's revenue: a quarter of its AI spend");
    assert.equal(m2.revenue, 7_500);
    assert.equal(m1.cost, 1_000 + 500);
    assert.equal(m2.cost, 3_000 + 1_500 + 500);
    assert.equal(row(byModel.rows, null).revenue, 700);

    const noRates = (await roiReport(db, configSchema.parse({}), { ...period }, at(30))).roi;
    assert.deepEqual(noRates.converted.missingRates, ["eur", "jpy"]);
    assert.equal(
      noRates.converted.rows.find((r) => r.key === "translator"),
      undefined,
    );

    const { metrics } = await roiReport(db, config, period, at(30));
    const first = metrics.firstRevenue.find((f) => f.idea === "summarizer")!;
    assert.equal(first.days, 12);
  });

  it("counts the checkout funnel, payment failures, recovered invoices and dispute rates", async (t) => {
    const db = await moneyDb(t);
    const session = (id: string, status: string, payment_status: string) =>
      stripeObject("checkout.session", {
        id,
        status,
        payment_status,
        amount_total: 1000,
        currency: "usd",
        payment_intent: null,
        created: t0 + day,
        metadata: {},
      });
    const charge = (id: string, status: string, more: Record<string, unknown> = {}) =>
      stripeObject("charge", {
        id,
        status,
        amount: 1000,
        amount_captured: status === "succeeded" ? 1000 : 0,
        amount_refunded: 0,
        captured: status === "succeeded",
        currency: "usd",
        payment_intent: null,
        created: t0 + day,
        metadata: {},
        ...more,
      });
    const invoice = (status: string) =>
      stripeObject("invoice", {
        id: "in_r",
        status,
        amount_paid: status === "paid" ? 2500 : 0,
        currency: "usd",
        created: t0 + day,
        charge: "ch_ok2",
        payment_intent: null,
        status_transitions: { paid_at: t0 + 3 * day },
      });
    await deliver(db, [
      stripeEvent("evt_s1", "checkout.session.completed", session("cs_1", "complete", "paid"), t0 + day),
      stripeEvent("evt_s2", "checkout.session.expired", session("cs_2", "expired", "unpaid"), t0 + 2 * day),
      stripeEvent("evt_s3", "checkout.session.expired", session("cs_3", "expired", "unpaid"), t0 + 2 * day),
      stripeEvent("evt_s4", "checkout.session.completed", session("cs_4", "complete", "paid"), t0 + day),
      stripeEvent(
        "evt_c1",
        "charge.succeeded",
        charge("ch_ok", "succeeded", { amount_refunded: 300 }),
        t0 + day,
      ),
      stripeEvent("evt_c2", "charge.failed", charge("ch_bad1", "failed"), t0 + day),
      stripeEvent("evt_c3", "charge.failed", charge("ch_bad2", "failed"), t0 + day),
      stripeEvent("evt_c4", "charge.succeeded", charge("ch_ok2", "succeeded"), t0 + 3 * day),
      stripeEvent("evt_i1", "invoice.payment_failed", invoice("open"), t0 + 2 * day),
      stripeEvent("evt_i2", "invoice.paid", invoice("paid"), t0 + 3 * day),
      stripeEvent(
        "evt_d1",
        "charge.dispute.created",
        stripeObject("dispute", {
          id: "dp_1",
          amount: 1000,
          currency: "usd",
          charge: "ch_ok",
          status: "needs_response",
          created: t0 + 2 * day,
          balance_transactions: [],
        }),
        t0 + 2 * day,
      ),
    ]);
    const { metrics } = await roiReport(
      db,
      configSchema.parse({}),
      { since: at(0), until: at(10), mode: "live" },
      at(10),
    );
    assert.deepEqual(
      [
        metrics.funnel.checkoutsCreated,
        metrics.funnel.checkoutsCompleted,
        metrics.funnel.checkoutsExpired,
        metrics.funnel.checkoutConversion,
      ],
      [4, 2, 2, 0.5],
    );
    assert.deepEqual(
      [metrics.payments.succeeded, metrics.payments.failed, metrics.payments.failureRate],
      [2, 2, 0.5],
    );
    assert.deepEqual(
      [metrics.payments.recovered, metrics.payments.recoveredAmounts],
      [1, [{ currency: "usd", amount: 2500 }]],
    );
    assert.equal(metrics.payments.disputeRate, 0.5);
    assert.equal(metrics.funnel.refunded, 1);
    const usd = metrics.totals.find((x) => x.currency === "usd")!;
    assert.equal(usd.refundRate, 300 / usd.revenue);
  });
});
