import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import Stripe from "stripe";
import { buildServer } from "../../src/http/build-server.ts";
import { capturedLogger } from "../support/captured-logger.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const secrets = ["whsec_current_0123456789abcdef", "whsec_rolled_fedcba9876543210"];

async function webhookServer(t: TestContext, webhookSecrets = secrets) {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db, { config: { stripe: { webhookSecrets } } });
  const { logger, lines } = capturedLogger("debug");
  const app = await buildServer({ ...deps, logger });
  t.after(() => app.close());
  const rows = async () =>
    (
      await db.query<{
        id: string;
        type: string;
        livemode: boolean;
        deliveries: number;
        created: string;
        payload: unknown;
      }>(
        "SELECT id, type, livemode, deliveries, extract(epoch FROM created_at)::bigint::text AS created, payload FROM stripe_events ORDER BY id",
      )
    ).rows;
  return { app, rows, lines };
}

const event = (id: string, more: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    object: "event",
    type: "charge.succeeded",
    livemode: false,
    created: 1_796_000_000,
    api_version: "2025-09-30.clover",
    data: { object: { id: "ch_1", object: "charge", amount: 1250, currency: "eur" } },
    ...more,
  });

const signed = (payload: string, secret = secrets[0]!, timestamp?: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });

describe(`POST /webhooks/stripe on ${backend}`, () => {
  it("stores a signed event as delivered, answers 200 once it is stored, and acknowledges a repeat without storing it twice", async (t) => {
    const { app, rows } = await webhookServer(t);
    const payload = event("evt_1");
    const deliver = () =>
      app.inject({
        method: "POST",
        url: "/webhooks/stripe",
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signed(payload) },
        payload,
      });
    const first = await deliver();
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), { received: true, id: "evt_1", duplicate: false, deliveries: 1 });
    const again = await deliver();
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { received: true, id: "evt_1", duplicate: true, deliveries: 2 });
    const [row, ...others] = await rows();
    assert.equal(others.length, 0);
    assert.equal(row!.type, "charge.succeeded");
    assert.equal(row!.livemode, false);
    assert.equal(row!.deliveries, 2);
    assert.equal(row!.created, "1796000000");
    assert.deepEqual(row!.payload, JSON.parse(payload));
  });

  it("accepts either secret while one is rolled, whatever the content type", async (t) => {
    const { app, rows } = await webhookServer(t);
    const payload = event("evt_rolled");
    const response = await app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "text/plain", "stripe-signature": signed(payload, secrets[1]) },
      payload,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      (await rows()).map((r) => r.id),
      ["evt_rolled"],
    );
  });

  it("refuses, with the reason and storing nothing, what is not a fresh delivery signed by a configured secret", async (t) => {
    const { app, rows, lines } = await webhookServer(t);
    const payload = event("evt_refused");
    const pretty = JSON.stringify(JSON.parse(payload), null, 2);
    const cases: [string, Record<string, string>, string, string][] = [
      ["no header", {}, payload, "no_signature"],
      ["a header of another shape", { "stripe-signature": "sha256=abc" }, payload, "bad_header"],
      [
        "another endpoint's secret",
        { "stripe-signature": signed(payload, "whsec_someone_else_000000") },
        payload,
        "signature_mismatch",
      ],
      [
        "the body parsed and written again",
        { "stripe-signature": signed(payload) },
        pretty,
        "signature_mismatch",
      ],
      [
        "a replay",
        { "stripe-signature": signed(payload, secrets[0], Math.floor(Date.now() / 1000) - 301) },
        payload,
        "stale",
      ],
      ["a signed body that is not JSON", { "stripe-signature": signed("not json") }, "not json", "not_json"],
      [
        "a signed JSON that is not an event",
        { "stripe-signature": signed('{"id":"x"}') },
        '{"id":"x"}',
        "not_an_event",
      ],
      [
        "a signed event holding a NUL character",
        { "stripe-signature": signed(event("evt_nul", { description: "a\u0000b" })) },
        event("evt_nul", { description: "a\u0000b" }),
        "not_storable",
      ],
    ];
    for (const [what, headers, body, reason] of cases) {
      const response = await app.inject({
        method: "POST",
        url: "/webhooks/stripe",
        headers: { "content-type": "application/json", ...headers },
        payload: body,
      });
      assert.equal(response.statusCode, 400, `${what}: ${response.body}`);
      const error = response.json().error;
      assert.equal(error.details.reason, reason, what);
      assert.match(error.message, /^Stripe delivery refused: .*; nothing was stored\.$/, what);
      assert.ok(!response.body.includes("whsec_"), `${what}: no secret in the answer`);
    }
    assert.deepEqual(await rows(), []);
    assert.ok(!lines.some((line) => line.includes("whsec_")), "no secret in the log");
  });

  it("refuses every delivery, saying how to configure it, while no secret is configured", async (t) => {
    const { app, rows } = await webhookServer(t, []);
    const payload = event("evt_unconfigured");
    const response = await app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "application/json", "stripe-signature": signed(payload) },
      payload,
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.details.reason, "no_secret");
    assert.match(response.json().error.message, /STEWARD_STRIPE_WEBHOOK_SECRET/);
    assert.deepEqual(await rows(), []);
  });

  it("answers odd requests without a 5xx: other methods, an empty body, a body over 1 MiB", async (t) => {
    const { app, rows } = await webhookServer(t);
    const get = await app.inject({ method: "GET", url: "/webhooks/stripe" });
    assert.ok(get.statusCode >= 400 && get.statusCode < 500, `GET: ${get.statusCode}`);
    const empty = await app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "application/json", "stripe-signature": signed("") },
    });
    assert.equal(empty.statusCode, 400, empty.body);
    const huge = event("evt_huge", { padding: "x".repeat(1024 * 1024) });
    const tooLarge = await app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "application/json", "stripe-signature": signed(huge) },
      payload: huge,
    });
    assert.equal(tooLarge.statusCode, 413, tooLarge.body);
    assert.deepEqual(await rows(), []);
  });
});
