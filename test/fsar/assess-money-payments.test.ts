import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { syncDerivedEntries } from "../../src/money/money-step.ts";
import { deliver } from "../money/stripe-fixtures.ts";
import { backend } from "../support/test-database.ts";
import {
  assess,
  charge,
  codes,
  day,
  dispute,
  hour,
  minute,
  moneyDeps,
  noon,
  noonAfter,
  noonSec,
  only,
  session,
  spend,
  spread,
  withRemedy,
} from "./money-scenario.ts";

describe(`the money assessor: payments, refunds, disputes, checkouts on ${backend}`, () => {
  it("finds nothing on a clean system: payments succeed, checkouts convert, revenue is attributed, budgets have room", async (t) => {
    const { db, deps } = await moneyDeps(t, {
      providers: [{ id: "sim", type: "sim" }],
      models: [
        {
          id: "sim-writer",
          provider: "sim",
          model: "writer",
          price: { inputPerMTok: 0, outputPerMTok: 0 },
          dailyBudgetUsd: 50,
        },
      ],
      budgets: [{ scope: "idea", id: "summarizer", monthlyUsd: 100 }],
    });
    await db.query("INSERT INTO ideas (key, title) VALUES ('summarizer', 'Summaries')");
    await deliver(db, [
      ...spread(24, noonSec - hour, day, (at) => charge(at, { idea: "summarizer" }).event),
      ...spread(20, noonSec, hour, (at) => charge(at, { idea: "summarizer" }).event),
      ...spread(12, noonSec - hour, day, (at, i) => session(at, i < 11)),
      ...spread(12, noonSec, hour, (at, i) => session(at, i < 10)),
    ]);
    await spend(db, { kind: "llm", model: "sim-writer", costUsd: 0.5, ideaKey: "summarizer" });
    await syncDerivedEntries(db, noon);
    const findings = await assess(deps, new Date());
    assert.deepEqual(
      findings.filter((f) => f.severity > 2),
      [],
    );
    assert.deepEqual(codes(findings), [], "ideally nothing at all");
    // And at the fixed noon, where the payments are.
    assert.deepEqual(codes(await assess(deps, noon)), []);
  });

  it("grades payment failures by their share of the window's attempts, against the 24 hours before", async (t) => {
    const { db, deps } = await moneyDeps(t);
    await deliver(db, [
      // The day before: 1 of 33 failed (3 %).
      ...spread(33, noonSec - hour, day, (at, i) => charge(at, { failed: i === 0, idea: "x" }).event),
      // The last hour: 12 of 30 failed (40 %).
      ...spread(30, noonSec, hour, (at, i) => charge(at, { failed: i % 5 < 2, idea: "x" }).event),
      // A failure an hour and a half later does not count: outside the window.
      charge(noonSec + 90 * minute, { failed: true }).event,
    ]);
    const f = withRemedy(only(await assess(deps, noon), "money.payment_failures"));
    assert.equal(f.key, "money.payment_failures:payments");
    assert.equal(f.severity, 7);
    assert.equal(f.blocking, false);
    assert.match(
      f.summary,
      /12 of 30 payment attempts failed \(40 %\) over the last 1h, against 3 % the 24 hours before/,
    );
    assert.deepEqual(
      [f.evidence.numbers.failed, f.evidence.numbers.succeeded, f.evidence.numbers.attempts],
      [12, 18, 30],
    );
    assert.equal(f.evidence.numbers.failureRate, 0.4);
    assert.equal(f.evidence.numbers.failedBefore, 1);
    assert.equal(f.evidence.numbers.attemptsBefore, 33);
    assert.match(f.evidence.source, /stripe_events/);
    assert.ok(f.remedy!.some((a) => a.command === "steward stripe events --type charge.failed"));
    assert.ok(f.remedy!.some((a) => a.command === "steward money ledger --since 1h"));

    // Three days on, 4 of 20 (20 %) is a 5; six days on, 3 of 5 (60 %) is too few attempts to judge.
    await deliver(db, [
      ...spread(20, noonSec + 3 * day, hour, (at, i) => charge(at, { failed: i < 4, idea: "x" }).event),
      ...spread(5, noonSec + 6 * day, hour, (at, i) => charge(at, { failed: i < 3, idea: "x" }).event),
    ]);
    const five = only(await assess(deps, noonAfter(3)), "money.payment_failures");
    assert.equal(five.severity, 5);
    assert.match(
      five.summary,
      /4 of 20 payment attempts failed \(20 %\).*against no attempts the 24 hours before/,
    );
    assert.deepEqual(codes(await assess(deps, noonAfter(6))), []);
  });

  it("finds refunds above a tenth of revenue, converted to the reporting currency", async (t) => {
    const { db, deps } = await moneyDeps(t, { money: { reportingCurrency: "usd", rates: { eur: 1.1 } } });
    const payments = [
      ...spread(5, noonSec - 20 * minute, 30 * minute, (at) => charge(at, { idea: "x" })),
      charge(noonSec - 40 * minute, { idea: "x", currency: "eur" }),
    ];
    await deliver(db, [
      ...payments.map((p) => p.event),
      payments[0]!.refunded(noonSec - 5 * minute),
      payments[5]!.refunded(noonSec - 4 * minute),
    ]);
    const findings = await assess(deps, noon);
    assert.deepEqual(codes(findings), ["money.refund_rate:revenue"]);
    const f = withRemedy(findings[0]!);
    assert.equal(f.severity, 5);
    assert.equal(f.blocking, false);
    // 20.00 USD + 20.00 EUR at 1.1 refunded, of 5 × 20.00 USD + 22.00 USD.
    assert.match(
      f.summary,
      /42\.00 USD refunded against 122\.00 USD of revenue from 6 payments \(34\.4 %\) over the last 1h/,
    );
    assert.deepEqual(
      [f.evidence.numbers.refundsMinor, f.evidence.numbers.revenueMinor, f.evidence.numbers.payments],
      [4200, 12200, 6],
    );
    assert.equal(f.evidence.numbers.refundRate, Number((42 / 122).toFixed(6)));
    assert.equal(f.evidence.numbers.currency, "usd");

    // Without a rate for euros, they are left out and named: 20.00 of 100.00 is 20 %.
    const { db: noRate, deps: noRateDeps } = await moneyDeps(t);
    const more = [
      ...spread(5, noonSec - 20 * minute, 30 * minute, (at) => charge(at, { idea: "x" })),
      charge(noonSec - 40 * minute, { idea: "x", currency: "eur" }),
    ];
    await deliver(noRate, [...more.map((p) => p.event), more[0]!.refunded(noonSec - 5 * minute)]);
    const partial = only(await assess(noRateDeps, noon), "money.refund_rate");
    assert.equal(partial.evidence.numbers.missingRates, "eur");
    assert.equal(partial.evidence.numbers.payments, 5);
    assert.match(
      partial.summary,
      /20\.00 USD refunded against 100\.00 USD of revenue from 5 payments \(20 %\)/,
    );
  });

  it("finds disputes above 0.75 % of the last 30 days' charges, inquiries left out", async (t) => {
    const { db, deps } = await moneyDeps(t);
    // 120 charges over 30 days (across the month's start), two disputed and one inquiry.
    const charges = spread(120, noonSec, 30 * day, (at) => charge(at, { idea: "x" }));
    const old = charge(noonSec - 40 * day, { idea: "x" });
    await deliver(db, [
      ...charges.map((c) => c.event),
      old.event,
      dispute(charges[10]!.p.ids.ch, noonSec - 20 * day),
      dispute(charges[100]!.p.ids.ch, noonSec - 2 * day),
      dispute(charges[50]!.p.ids.ch, noonSec - 5 * day, "warning_needs_response"),
      // A dispute opened before the 30 days does not count.
      dispute(old.p.ids.ch, noonSec - 35 * day),
    ]);
    const f = withRemedy(only(await assess(deps, noon), "money.dispute_rate"));
    assert.equal(f.key, "money.dispute_rate:payments");
    assert.equal(f.severity, 7);
    assert.equal(f.blocking, false);
    assert.match(
      f.summary,
      /2 disputes against 120 charges \(1\.7 %\) over the last 30 days, above the 0\.75 %/,
    );
    assert.deepEqual(
      [f.evidence.numbers.disputes, f.evidence.numbers.charges, f.evidence.numbers.days],
      [2, 120, 30],
    );
    assert.equal(f.evidence.numbers.disputeRate, Number((2 / 120).toFixed(6)));
    assert.match(f.evidence.source, /monthly/);
    assert.equal(f.evidence.window!.from, new Date(noon.getTime() - 30 * day * 1000).toISOString());

    // Two months on, 3 disputes of the 30 days' 60 charges (5 %): too few charges to judge.
    const later = noonSec + 60 * day;
    const some = spread(60, later, 30 * day, (at) => charge(at, { idea: "x" }));
    await deliver(db, [
      ...some.map((c) => c.event),
      ...[1, 2, 3].map((i) => dispute(some[i * 10]!.p.ids.ch, later - i * day)),
    ]);
    assert.deepEqual(codes(await assess(deps, noonAfter(60))), []);
  });

  it("finds checkout conversion fallen to half or less of the 24 hours before", async (t) => {
    const { db, deps } = await moneyDeps(t);
    await deliver(db, [
      ...spread(20, noonSec - hour, day, (at, i) => session(at, i < 18)),
      ...spread(20, noonSec, hour, (at, i) => session(at, i < 3)),
    ]);
    const findings = await assess(deps, noon);
    assert.deepEqual(codes(findings), ["money.checkout_conversion:checkout"]);
    const f = withRemedy(findings[0]!);
    assert.equal(f.severity, 5);
    assert.equal(f.blocking, false);
    assert.match(
      f.summary,
      /3 of 20 checkout sessions completed \(15 %\) over the last 1h, against 18 of 20 \(90 %\) the 24 hours before/,
    );
    assert.deepEqual(
      [
        f.evidence.numbers.completed,
        f.evidence.numbers.sessions,
        f.evidence.numbers.completedBefore,
        f.evidence.numbers.sessionsBefore,
      ],
      [3, 20, 18, 20],
    );
    assert.equal(f.evidence.numbers.conversion, 0.15);
    assert.equal(f.evidence.numbers.conversionBefore, 0.9);

    // Three days on, a fall to 60 % of before is not half; six days on, 8 sessions are too few to judge.
    const [mild, few] = [noonSec + 3 * day, noonSec + 6 * day];
    await deliver(db, [
      ...spread(20, mild - hour, day, (at, i) => session(at, i < 20)),
      ...spread(20, mild, hour, (at, i) => session(at, i < 12)),
      ...spread(20, few - hour, day, (at, i) => session(at, i < 18)),
      ...spread(8, few, hour, (at, i) => session(at, i < 1)),
    ]);
    assert.deepEqual(codes(await assess(deps, noonAfter(3))), []);
    assert.deepEqual(codes(await assess(deps, noonAfter(6))), []);
  });
});
