import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { listLedger } from "../../src/money/ledger.ts";
import { importStripePage } from "../../src/money/stripe-import.ts";
import { processStripeEvent } from "../../src/money/stripe-processing.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { checkoutPayment, storeEvent, stripeEvent, t0 } from "./stripe-fixtures.ts";

const key = "sk_test_import_0123456789abcdefghij";

/**
 * A local server answering Stripe's list API for events (GET /v1/events): newest first, `limit`,
 * `starting_after` and `created[gte]`, `has_more`, a Bearer key checked; and a balance
 * transaction by id (GET /v1/balance_transactions/:id). `failNext` answers the
 * next request with a 401, as Stripe does to a revoked key.
 */
async function stripeApi(t: TestContext, events: ReturnType<typeof stripeEvent>[]) {
  const requests: URL[] = [];
  let failNext = false;
  const server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    requests.push(url);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${key}`)
      return send(401, {
        error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****ghij" },
      });
    if (failNext) {
      failNext = false;
      return send(401, {
        error: { type: "invalid_request_error", message: `Expired API Key provided: ${key}` },
      });
    }
    const txn = /^\/v1\/balance_transactions\/(txn_\w+)$/.exec(url.pathname);
    if (txn)
      return send(200, {
        id: txn[1],
        object: "balance_transaction",
        amount: 2000,
        fee: 88,
        net: 1912,
        currency: "usd",
        created: t0,
        type: "charge",
        status: "available",
      });
    if (url.pathname !== "/v1/events")
      return send(404, { error: { type: "invalid_request_error", message: "Unrecognized request URL" } });
    const newestFirst = [...events].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const gte = Number(url.searchParams.get("created[gte]") ?? 0);
    const after = url.searchParams.get("starting_after");
    const limit = Number(url.searchParams.get("limit") ?? 10);
    const listed = newestFirst.filter((e) => e.created >= gte);
    const from = after ? listed.findIndex((e) => e.id === after) + 1 : 0;
    const data = listed.slice(from, from + limit);
    send(200, { object: "list", url: "/v1/events", has_more: from + limit < listed.length, data });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    failNextRequest: () => {
      failNext = true;
    },
    api: { host: "127.0.0.1", port, protocol: "http" as const },
  };
}

/** 250 one-charge payments, a minute apart, newest last. */
function pastEvents() {
  return Array.from({ length: 250 }, (_, i) => {
    const p = checkoutPayment(`imp${i}`, { amount: 1000 + i, at: t0 + i * 60 });
    return stripeEvent(`evt_imp_${String(i).padStart(3, "0")}`, "charge.succeeded", p.charge(), t0 + i * 60);
  });
}

describe(`steward stripe import on ${backend}`, () => {
  it("takes past events page by page into the inbox and the ledger, resuming an interrupted import from its cursor", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const events = pastEvents();
    const stripe = await stripeApi(t, events);
    const access = { apiKey: key, api: stripe.api };
    const since = new Date((t0 + 10 * 60) * 1000);

    const first = await importStripePage(deps, access, { since });
    assert.deepEqual(
      [first.events, first.imported, first.pages, first.done, first.resumedFrom],
      [100, 100, 1, false, undefined],
    );
    assert.equal(first.statuses.processed, 100);
    // Interrupted: the next page fails, with a message that names the key; the error masks it.
    stripe.failNextRequest();
    await assert.rejects(importStripePage(deps, access, { since }), (error: Error) => {
      assert.match(error.message, /Stripe's API refused the import: Expired API Key provided: sk_test_…/);
      assert.doesNotMatch(error.message, new RegExp(key));
      return true;
    });
    const second = await importStripePage(deps, access, { since });
    assert.equal(second.resumedFrom, "evt_imp_150", "resumed after the last event of page one");
    const third = await importStripePage(deps, access, { since });
    assert.deepEqual([third.imported, third.pages, third.done], [240, 3, true]);
    assert.equal(third.reachedAt, new Date(since).toISOString());
    // Each page asked for what follows the cursor, and only events since `since`.
    const asked = stripe.requests.filter((r) => r.pathname === "/v1/events");
    assert.deepEqual(
      asked.map((r) => r.searchParams.get("starting_after")),
      [null, "evt_imp_150", "evt_imp_150", "evt_imp_050"],
    );
    assert.ok(asked.every((r) => r.searchParams.get("created[gte]") === String(t0 + 600)));
    const revenue = (await listLedger(db)).filter((e) => e.type === "revenue");
    assert.equal(revenue.length, 240);

    // Asked again once done, it starts over; the inbox counts nothing twice.
    const again = await importStripePage(deps, access, { since });
    assert.deepEqual([again.events, again.stored, again.resumedFrom], [100, 0, undefined]);
    assert.equal((await listLedger(db)).filter((e) => e.type === "revenue").length, 240);
    await assert.rejects(
      importStripePage(deps, {}, { since }),
      /needs an API key that may read events: set STRIPE_API_KEY/,
    );
  });

  it("fetches a charge's fee from its balance transaction when the payload carries only its id, once", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const stripe = await stripeApi(t, []);
    const p = checkoutPayment("fee");
    const events = [
      stripeEvent("evt_f1", "charge.succeeded", p.charge({ balance_transaction: "txn_f1" }), t0),
      stripeEvent(
        "evt_f2",
        "charge.refunded",
        p.charge({ balance_transaction: "txn_f1", amount_refunded: 500 }),
        t0 + 60,
      ),
    ];
    for (const event of events) {
      await storeEvent(db, event);
      assert.equal(
        (await processStripeEvent(db, event.id, { api: { apiKey: key, api: stripe.api } })).status,
        "processed",
      );
    }
    const lines = (await listLedger(db)).map((e) => `${e.sourceId} ${e.amountMinor}`).sort();
    assert.deepEqual(lines, ["fee:txn_f1 -88", "refund:ch_fee:evt_f2 -500", "revenue:pi_fee 2000"]);
    assert.equal(
      stripe.requests.filter((r) => r.pathname === "/v1/balance_transactions/txn_f1").length,
      1,
      "fetched once",
    );

    // Without a key, the payment counts without its fee.
    const { db: plain } = await createTestDatabase(t);
    await testDeps(plain);
    await storeEvent(plain, events[0]!);
    await processStripeEvent(plain, "evt_f1");
    assert.deepEqual(
      (await listLedger(plain)).map((e) => e.sourceId),
      ["revenue:pi_fee"],
    );
  });

  it("runs from the CLI with STRIPE_API_KEY, showing progress", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDeps(testDb.db);
    if (backend === "pglite") await testDb.db.close();
    const stripe = await stripeApi(t, pastEvents().slice(0, 120));
    const cwd = tempFolder("stripe-import");
    writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify({ stripe: { api: stripe.api } }));
    const result = await runCli(["stripe", "import", "--since", new Date(t0 * 1000).toISOString()], {
      cwd,
      env: { STEWARD_DATABASE_URL: testDb.url, STRIPE_API_KEY: key },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /Imported 120 events from Stripe since 2026-09-21 in 2 pages, back to 2026-09-21 14:13; processed into the ledger\./,
    );
    assert.match(result.stderr, /progress: .*seconds back \(100%\), 120 events/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(key));
  });
});
