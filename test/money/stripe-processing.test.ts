import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Stripe from "stripe";
import { buildServer } from "../../src/http/build-server.ts";
import { listLedger } from "../../src/money/ledger.ts";
import { listStripeEvents } from "../../src/money/stripe-events.ts";
import { processStripeEvent, reprocessStripeEvents } from "../../src/money/stripe-processing.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";
import { checkoutPayment, storeEvent, stripeEvent, t0 } from "./stripe-fixtures.ts";

const secret = "whsec_processing_0123456789";

describe(`processing the Stripe inbox by the workers on ${backend}`, () => {
  it("processes each delivered event by a stripe.process task, retrying one whose processing failed", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: {
        stripe: { webhookSecrets: [secret] },
        tasks: { retry: { baseDelayMs: 20, maxDelayMs: 100 } },
      },
    });
    const app = await buildServer(deps);
    t.after(() => app.close());
    const send = (event: unknown) => {
      const payload = JSON.stringify(event);
      return app.inject({
        method: "POST",
        url: "/webhooks/stripe",
        headers: {
          "content-type": "application/json",
          "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }),
        },
        payload,
      });
    };
    // The ledger's table is away: processing fails, and is retried once it is back.
    await db.exec("ALTER TABLE money_entries RENAME TO money_entries_away");
    const p = checkoutPayment("w", { metadata: { idea: "support-bot" } });
    const events = [
      stripeEvent("evt_w1", "checkout.session.completed", p.session, t0 + 2),
      stripeEvent("evt_w2", "charge.succeeded", p.charge(), t0 + 1),
    ];
    for (const event of [...events, events[0]]) assert.equal((await send(event)).statusCode, 200);
    const stored = await listStripeEvents(db);
    assert.equal(stored.length, 2);
    assert.ok(stored.every((e) => e.taskId !== null && e.status === "pending"));
    const task = await getTask(db, stored[0]!.taskId!);
    assert.equal(task?.kind, "stripe.process");

    const pool = new WorkerPool(deps, { concurrency: 2, pollMs: 20 });
    await pool.start();
    t.after(() => pool.stop());
    const failed = await waitFor(
      async () => (await listStripeEvents(db, { status: "failed" })).find((e) => e.attempts >= 1),
      { what: "an event failed while the ledger is away" },
    );
    assert.match(failed.error ?? "", /money_entries/);
    await db.exec("ALTER TABLE money_entries_away RENAME TO money_entries");
    await waitFor(async () => (await listStripeEvents(db)).every((e) => e.status === "processed"), {
      what: "both events processed once the ledger is back",
    });
    const retried = (await listStripeEvents(db)).find((e) => e.id === failed.id)!;
    assert.ok(retried.attempts >= 2, "the failed event was processed again");
    assert.equal(retried.error, null);
    assert.deepEqual(
      (await listLedger(db)).map((e) => [e.sourceId, e.amountMinor, e.idea]),
      [["revenue:pi_w", 2000, "support-bot"]],
    );
    await waitFor(async () => (await getTask(db, retried.taskId!))?.status === "succeeded", {
      what: "its task succeeded",
    });
  });

  it("processes failed events again on request: one that failed for a while now succeeds, an unreadable one stays failed", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const p = checkoutPayment("re");
    const good = stripeEvent("evt_re1", "charge.succeeded", p.charge(), t0);
    const bad = stripeEvent("evt_re2", "charge.succeeded", p.charge({ id: "ch_re2", currency: "euro" }), t0);
    for (const event of [good, bad]) await storeEvent(db, event);
    await db.exec("ALTER TABLE money_entries RENAME TO money_entries_away");
    await assert.rejects(processStripeEvent(db, "evt_re1"), /money_entries/);
    await db.exec("ALTER TABLE money_entries_away RENAME TO money_entries");
    assert.equal((await processStripeEvent(db, "evt_re2")).status, "failed");
    const named = await reprocessStripeEvents(db, { ids: ["evt_re1", "evt_nope"] });
    assert.deepEqual(
      named.events.map((e) => [e.id, e.status]),
      [["evt_re1", "processed"]],
    );
    assert.deepEqual(named.notFailed, ["evt_nope"]);
    const all = await reprocessStripeEvents(db, { allFailed: true });
    assert.deepEqual(
      all.events.map((e) => [e.id, e.status]),
      [["evt_re2", "failed"]],
    );
    assert.match(all.events[0]!.error!, /data\.object\.currency: a three-letter ISO currency code/);
    const [again] = await listStripeEvents(db, { status: "failed" });
    assert.equal(again!.attempts, 2);
    assert.deepEqual(
      (await listLedger(db)).map((e) => e.sourceId),
      ["revenue:pi_re"],
    );
  });
});
