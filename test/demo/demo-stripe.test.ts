import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDeps } from "../../src/app/create-deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { ensureDemoIdeas } from "../../src/demo/demo-ideas.ts";
import { demoWebhookSecret, startDemoStripe, withDemoMoney } from "../../src/demo/demo-stripe.ts";
import { startServer } from "../../src/http/start-server.ts";
import { listLedger } from "../../src/money/ledger.ts";
import { roiReport } from "../../src/money/money-queries.ts";
import { listStripeEvents } from "../../src/money/stripe-events.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/** The same stream each run: a small linear congruential generator. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe(`the demo's Stripe events on ${backend}`, () => {
  it("sends 60 days of signed test-mode events through the webhook, processed into a ledger with every kind of money movement", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const config = withDemoMoney(configSchema.parse({}));
    const secret = demoWebhookSecret(config);
    assert.match(secret ?? "", /^whsec_demo_[0-9a-f]{36}$/);
    assert.equal(config.stripe.testEvents, "counted");
    assert.deepEqual(
      config.money.rates,
      { eur: 1.08, jpy: 0.0067 },
      "the demo's illustrative rates, where none are set",
    );
    assert.equal(
      demoWebhookSecret(withDemoMoney(configSchema.parse({ stripe: { webhookSecrets: ["whsec_real"] } }))),
      undefined,
      "a configured secret: no demo money",
    );
    const deps = createDeps({ config, db });
    await ensureDemoIdeas(db);
    const server = await startServer(deps, { host: "127.0.0.1", port: 0 });
    t.after(() => server.close());
    const pool = new WorkerPool(deps, { concurrency: 4, pollMs: 20, kinds: ["stripe.process"] });
    await pool.start();
    t.after(() => pool.stop());

    const demo = await startDemoStripe(deps, {
      url: server.localUrl,
      secret: secret!,
      random: seeded(7),
      intervalMs: 60_000,
    });
    t.after(() => demo.stop());
    assert.ok(demo.sent > 100, `the history was sent (${demo.sent} deliveries)`);
    await waitFor(async () => (await listStripeEvents(db, { status: "pending", limit: 1 })).length === 0, {
      timeoutMs: 120_000,
      what: "every event processed",
    });
    const events = await listStripeEvents(db, { limit: 1000 });
    assert.ok(
      events.every((e) => !e.livemode && e.status === "processed"),
      "all test mode, all processed",
    );
    assert.ok(
      events.some((e) => e.deliveries > 1),
      "some delivered twice",
    );

    const entries = await listLedger(db, { mode: "all" });
    const types = new Set(entries.map((e) => e.type));
    for (const type of ["revenue", "refund", "dispute", "dispute_reversal", "fee", "expense"])
      assert.ok(types.has(type as never), type);
    const ideas = new Set(entries.filter((e) => e.type === "revenue").map((e) => e.idea));
    for (const idea of [
      "demo-course-ai-bookkeeping",
      "demo-invoice-chaser",
      "demo-model-price-newsletter",
      null,
    ])
      assert.ok(ideas.has(idea), String(idea));
    assert.deepEqual(new Set(entries.map((e) => e.currency)), new Set(["usd", "eur", "jpy"]));

    const { metrics } = await roiReport(db, config, {}, new Date());
    const usd = metrics.mrr.find((m) => m.currency === "usd")!;
    assert.ok(usd.start > 0 && usd.end > 0, "subscriptions paying at both ends of the month");
    assert.ok(usd.churn > 0 || usd.contraction > 0 || usd.expansion > 0, "subscriptions moved");
    assert.ok(
      metrics.funnel.checkoutsExpired > 0 && metrics.payments.recovered > 0,
      "expired checkouts, recovered renewals",
    );

    // Started again on the same database: the history is not sent twice.
    await demo.stop();
    const again = await startDemoStripe(deps, {
      url: server.localUrl,
      secret: secret!,
      random: seeded(7),
      intervalMs: 60_000,
    });
    await again.stop();
    assert.equal(again.sent, 0);
  });
});
