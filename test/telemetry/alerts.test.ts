import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import pino from "pino";
import type { Queryable } from "../../src/db/database.ts";
import { alertStep, signDelivery } from "../../src/telemetry/alert-step.ts";
import {
  alertSettingsSchema,
  evaluateAlerts,
  latestWorsening,
  listAlerts,
} from "../../src/telemetry/alerts.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const minute = 60_000;

/** Writes minute rollups of one stage: `durations[i]` ms on average, 10 attempts a minute, ending at `end`. */
async function rollupMinutes(db: Queryable, end: Date, durations: number[]) {
  const last = Math.floor(end.getTime() / minute) * minute;
  const rows = durations.map((ms, i) => [
    new Date(last - (durations.length - 1 - i) * minute).toISOString(),
    ms,
  ]);
  await db.query(
    `INSERT INTO task_rollups (grain, bucket_start, stage, kind, model, shard, attempts, succeeded, failed, timed_out,
                               cancelled, lease_lost, released, retries, tasks_failed, deadline_misses, unverified,
                               duration_ms, queue_wait_ms, input_tokens, output_tokens, cost_usd, duration_hist, queue_wait_hist)
     SELECT 'minute', (r ->> 0)::timestamptz, 'Implement Ideas', 'noop', '', 0, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            10 * (r ->> 1)::float8, 10, 0, 0, 0, '{10}', '{10}'
       FROM jsonb_array_elements($1::jsonb) r
     ON CONFLICT (grain, bucket_start, stage, kind, model, shard) DO UPDATE SET duration_ms = excluded.duration_ms`,
    [JSON.stringify(rows)],
  );
}

/** A steady level with a little deterministic wobble. */
const level = (ms: number, n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => ms + ((i + offset) % 3) * 2);

describe(`alerts on trend change on ${backend}`, () => {
  it("a slow rise without a step is found by the trend test, its levels the window's first and last thirds", () => {
    const day = 86_400_000;
    const start = Date.UTC(2026, 10, 1);
    const rising = Array.from({ length: 28 }, (_, i) => ({
      at: new Date(start + i * day).toISOString(),
      value: 100 * 1.03 ** i + ((i % 3) - 1),
    }));
    const series = { indicator: "duration" as const, scope: { stage: "Implement Ideas" }, points: rising };
    const change = latestWorsening(series as never, "mann-kendall", {}, 0.2);
    assert.ok(change, "a 3 % a day rise over four weeks is a worsening");
    assert.equal(change.changedAt, rising[0]!.at);
    assert.ok(change.before < 115 && change.after > 180, `${change.before} → ${change.after}`);
    const flat = rising.map((p, i) => ({ ...p, value: 100 + ((i % 3) - 1) }));
    assert.equal(latestWorsening({ ...series, points: flat } as never, "mann-kendall", {}, 0.2), null);
  });

  it("opens one alert when a stage's duration shifts up, keeps it while it lasts, resolves it on recovery", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const clock = new TestClock(Date.now());
    const settings = alertSettingsSchema.parse({});
    await rollupMinutes(db, clock.now(), [...level(100, 60), ...level(400, 15)]);

    assert.deepEqual(await evaluateAlerts(db, settings, clock), {
      opened: 1,
      updated: 0,
      resolved: 0,
      reopened: 0,
    });
    const [alert] = await listAlerts(db, { open: true });
    assert.equal(alert!.indicator, "duration");
    assert.deepEqual(alert!.scope, { stage: "Implement Ideas" });
    assert.equal(alert!.detector, "cusum");
    assert.ok(Math.abs(alert!.beforeValue - 102) < 3, `before ${alert!.beforeValue}`);
    assert.ok(alert!.afterValue > 300, `after ${alert!.afterValue}`);
    assert.match(
      alert!.message,
      /^duration of stage Implement Ideas rose from 10\d to \d{3} \(\+\d+ %\) since /,
    );
    const changedAt = new Date(alert!.changedAt).getTime();
    const shiftAt = Math.floor(clock.now().getTime() / minute) * minute - 14 * minute;
    assert.ok(Math.abs(changedAt - shiftAt) <= 3 * minute, "the point of change is where the shift began");

    assert.deepEqual(
      await evaluateAlerts(db, settings, clock),
      { opened: 0, updated: 1, resolved: 0, reopened: 0 },
      "the same change again updates the open alert",
    );
    assert.equal((await listAlerts(db)).length, 1);

    // Resolved (as a recovery of a few points would), then the same change is found again: the
    // same alert reopens, counted, instead of a new one for the same point of change.
    await db.query("UPDATE telemetry_alerts SET status = 'resolved', resolved_at = now()");
    assert.deepEqual(await evaluateAlerts(db, settings, clock), {
      opened: 0,
      updated: 0,
      resolved: 0,
      reopened: 1,
    });
    const reopened = await listAlerts(db);
    assert.deepEqual(
      reopened.map((a) => [a.id, a.status, a.resolvedAt, a.reopened]),
      [[alert!.id, "open", null, 1]],
    );

    clock.advance(10 * minute);
    await rollupMinutes(
      db,
      clock.now(),
      [...level(100, 60), ...level(400, 15), ...level(100, 10)].slice(-85),
    );
    const later = await evaluateAlerts(db, settings, clock);
    assert.equal(later.resolved, 1, JSON.stringify(later));
    const [resolved] = await listAlerts(db);
    assert.equal(resolved!.status, "resolved");
    assert.ok(resolved!.resolvedAt !== null);
  });

  it("raises nothing on a steady series, and refuses bad settings naming the key", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const clock = new TestClock(Date.now());
    await rollupMinutes(db, clock.now(), level(100, 90));
    assert.deepEqual(await evaluateAlerts(db, alertSettingsSchema.parse({}), clock), {
      opened: 0,
      updated: 0,
      resolved: 0,
      reopened: 0,
    });
    const bad = alertSettingsSchema.safeParse({ detector: "crystal-ball", minChange: -1 });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    assert.deepEqual(paths.sort(), ["detector", "minChange"]);
    assert.match(bad.error!.issues.find((i) => i.path[0] === "detector")!.message, /must be one of: .*cusum/);
  });

  it("delivers a new alert to the webhook, signed; keeps a failed delivery visible with its error", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const received: { body: string; signature: string | undefined }[] = [];
    let answer = 500;
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push({ body, signature: request.headers["steward-signature"] as string | undefined });
        response.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const secret = "a-webhook-secret-of-some-length";
    const settings = alertSettingsSchema.parse({ webhook: { url, secret, maxAttempts: 2 } });
    const clock = new TestClock(Date.now());
    await rollupMinutes(db, clock.now(), [...level(100, 60), ...level(400, 15)]);
    const logger = pino({ level: "silent" });
    const step = alertStep({ db, clock, logger, settings });

    await step.run();
    assert.equal(received.length, 1, "the new alert is posted at once");
    const [alert] = await listAlerts(db);
    assert.deepEqual(alert!.delivery, { status: "pending", attempts: 1, error: "the webhook answered 500" });
    const { t: stamp } = Object.fromEntries(received[0]!.signature!.split(",").map((kv) => kv.split("=")));
    assert.equal(received[0]!.signature, signDelivery(secret, received[0]!.body, Number(stamp)));
    assert.equal((JSON.parse(received[0]!.body) as { alert: { id: number } }).alert.id, alert!.id);
    assert.ok(!received[0]!.body.includes(secret), "the secret is never sent");

    await step.run();
    assert.equal(received.length, 1, "the next try waits for its backoff");
    answer = 200;
    await db.query("UPDATE telemetry_alerts SET next_delivery_at = now() - interval '1 second'");
    await step.run();
    assert.equal(received.length, 2);
    assert.deepEqual((await listAlerts(db))[0]!.delivery, { status: "delivered", attempts: 2, error: null });
  });
});
