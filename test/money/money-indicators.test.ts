import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { indicatorReaders } from "../../src/app/indicator-readers.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { alertSettingsSchema, evaluateAlerts, listAlerts } from "../../src/telemetry/alerts.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { checkoutPayment, deliver, stripeEvent, stripeObject } from "./stripe-fixtures.ts";

const minute = 60_000;

describe(`the money's indicators in change detection on ${backend}`, () => {
  it("raises an alert when payments start failing and when checkouts stop converting", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const now = new Date(Math.floor(Date.now() / minute) * minute);
    const events = [];
    // 40 minutes: 2 of 20 charges fail a minute and 9 of 10 checkouts complete; in the last 12,
    // 10 of 20 fail and 3 of 10 complete.
    for (let m = 40; m >= 1; m--) {
      const at = Math.floor((now.getTime() - m * minute) / 1000) + 5;
      const late = m <= 12;
      for (let i = 0; i < 20; i++) {
        const failed = i < (late ? 10 : 2);
        const p = checkoutPayment(`m${m}c${i}`, { at });
        const charge = p.charge(failed ? { status: "failed", captured: false, amount_captured: 0 } : {});
        events.push(stripeEvent(`evt_m${m}c${i}`, failed ? "charge.failed" : "charge.succeeded", charge, at));
      }
      for (let i = 0; i < 10; i++) {
        const completed = i < (late ? 3 : 9);
        const session = stripeObject("checkout.session", {
          id: `cs_m${m}s${i}`,
          status: completed ? "complete" : "expired",
          payment_status: completed ? "paid" : "unpaid",
          amount_total: 1000,
          currency: "usd",
          payment_intent: null,
          created: at,
          metadata: {},
        });
        events.push(
          stripeEvent(
            `evt_m${m}s${i}`,
            completed ? "checkout.session.completed" : "checkout.session.expired",
            session,
            at,
          ),
        );
      }
    }
    await deliver(db, events);
    const settings = alertSettingsSchema.parse({ lookbackMinutes: 60, minPoints: 10, recoverPoints: 3 });
    const readers = indicatorReaders({ config: configSchema.parse({}) });
    const clock = { now: () => now };
    const result = await evaluateAlerts(db, settings, clock, readers);
    assert.ok(result.opened >= 2, `opened ${result.opened}`);
    const alerts = await listAlerts(db, { open: true });
    const failing = alerts.find((a) => a.indicator === "payment_failure_rate");
    const converting = alerts.find((a) => a.indicator === "checkout_conversion");
    assert.ok(failing, "an alert on payment failures");
    assert.ok(converting, "an alert on checkout conversion");
    assert.ok(failing.beforeValue < 0.15 && failing.afterValue > 0.4, JSON.stringify(failing));
    assert.ok(converting.beforeValue > 0.8 && converting.afterValue < 0.4, JSON.stringify(converting));
    assert.match(converting.message, /^checkout conversion of everything fell from/);
    assert.match(failing.message, /^payment failure rate of everything rose from/);
    // Without the money's readers, change detection sees none of it.
    const { db: other } = await createTestDatabase(t);
    await testDeps(other);
    await deliver(other, events.slice(0, 60));
    assert.equal((await evaluateAlerts(other, settings, clock)).opened, 0);
  });
});
