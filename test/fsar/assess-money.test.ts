import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { moneyAssessor } from "../../src/fsar/assess-money.ts";
import type { Finding } from "../../src/fsar/fsar-report.ts";
import { addExpenses } from "../../src/money/expenses.ts";
import { syncDerivedEntries } from "../../src/money/money-step.ts";
import { statsWindow } from "../../src/telemetry/stats-window.ts";
import {
  checkoutPayment,
  deliver,
  type StripeEvent,
  stripeEvent,
  stripeObject,
} from "../money/stripe-fixtures.ts";
import { assessorDepsOf } from "../support/assessor-deps.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const minute = 60;
const hour = 3_600;
const day = 86_400;
/** A fixed noon in the past: the Stripe objects, expenses and attempts of these tests are dated from it. */
const noon = new Date("2026-11-18T12:00:00Z");
const noonSec = noon.getTime() / 1000;
/** The same noon `days` later: the variants of one test, in one database, far enough apart not to see each other. */
const noonAfter = (days: number) => new Date(noon.getTime() + days * 86_400_000);

async function moneyDeps(t: TestContext, config?: ConfigInput): Promise<{ db: Database; deps: Deps }> {
  const { db } = await createTestDatabase(t);
  return { db, deps: await testDeps(db, { config }) };
}

/** The money assessor over the last `label` before `now`, with the clock held at `now`. */
async function assess(deps: Deps, now: Date, label = "1h"): Promise<Finding[]> {
  const clock = new TestClock(now);
  const window = { ...statsWindow(label, undefined, clock.now()), label };
  return moneyAssessor.assess({ ...assessorDepsOf(deps), clock }, window);
}

let n = 0;
/** A charge that succeeded (attributed to `idea` when given) or failed, created at `at`. */
function charge(
  at: number,
  options: { failed?: boolean; idea?: string; amount?: number; currency?: string } = {},
) {
  const id = ++n;
  const p = checkoutPayment(`c${id}`, { at, amount: options.amount, currency: options.currency });
  const metadata = options.idea ? { idea: options.idea } : {};
  const object = options.failed
    ? p.charge({ status: "failed", captured: false, amount_captured: 0, metadata })
    : p.charge({ metadata });
  return {
    p,
    event: stripeEvent(`evt_c${id}`, options.failed ? "charge.failed" : "charge.succeeded", object, at),
    refunded: (refundAt: number) =>
      stripeEvent(
        `evt_r${id}`,
        "charge.refunded",
        p.charge({ metadata, amount_refunded: p.amount, refunded: true }),
        refundAt,
      ),
  };
}

function session(at: number, completed: boolean): StripeEvent {
  const object = stripeObject("checkout.session", {
    id: `cs_s${++n}`,
    status: completed ? "complete" : "expired",
    payment_status: completed ? "paid" : "unpaid",
    amount_total: 1000,
    currency: "usd",
    payment_intent: null,
    created: at - 10 * minute,
    metadata: {},
  });
  return stripeEvent(
    `evt_s${n}`,
    completed ? "checkout.session.completed" : "checkout.session.expired",
    object,
    at,
  );
}

function dispute(chargeId: string, at: number, status = "needs_response"): StripeEvent {
  const object = stripeObject("dispute", {
    id: `dp_${++n}`,
    amount: 2000,
    currency: "usd",
    charge: chargeId,
    status,
    created: at,
    balance_transactions: [],
  });
  return stripeEvent(`evt_d${n}`, "charge.dispute.created", object, at);
}

/** `count` times `make(i)`, spread evenly over the `span` seconds ending `end`. */
function spread<T>(count: number, end: number, span: number, make: (at: number, i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) =>
    make(Math.floor(end - span + ((i + 0.5) * span) / count), i),
  );
}

/** An attempt that cost `costUsd` on a model, finished at `finishedAt` (SQL): the rollup trigger counts it. */
async function spend(
  db: Database,
  attempt: { kind: string; model: string; costUsd: number; ideaKey?: string; finishedAt?: Date },
) {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO execution_tasks (kind, stage, status, idea_id, ai_model, attempts, cost_usd)
     VALUES ($1, $1, 'succeeded', (SELECT id FROM ideas WHERE key = $2), $3, 1, $4) RETURNING id`,
    [attempt.kind, attempt.ideaKey ?? null, attempt.model, attempt.costUsd],
  );
  await db.query(
    `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                input_tokens, output_tokens, cost_usd)
     VALUES ($1, 1, 'worker-1', $2, 'succeeded', coalesce($3, now()) - interval '2 minutes',
             coalesce($3, now()) - interval '1 minute', coalesce($3, now()), 1000, 500, $4)`,
    [rows[0]!.id, attempt.model, attempt.finishedAt ?? null, attempt.costUsd],
  );
}

const codes = (findings: Finding[]) => findings.map((f) => f.key).sort();
const only = (findings: Finding[], code: string) => {
  const found = findings.filter((f) => f.code === code);
  assert.equal(found.length, 1, `one ${code} in ${JSON.stringify(codes(findings))}`);
  return found[0]!;
};
const withRemedy = (f: Finding) => {
  assert.ok(f.remedy && f.remedy.length > 0, `${f.key} has a remedy`);
  assert.ok(f.risk && f.mitigation, `${f.key} has a risk and a mitigation`);
  assert.ok(f.evidence.window, `${f.key} has its window`);
  return f;
};

describe(`the money assessor on ${backend}`, () => {
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

  it("grades unattributed revenue by its share: 3 from 5 %, 5 from a fifth, 6 from half", async (t) => {
    const { db, deps } = await moneyDeps(t);
    const cases = [
      [9_000, 1_000, 3, "10 %"],
      [7_500, 2_500, 5, "25 %"],
      [3_000, 7_000, 6, "70 %"],
    ] as const;
    // Each case three days after the one before; under 5 % (300 of 10,000) last.
    await deliver(
      db,
      [...cases, [9_700, 300] as const].flatMap(([claimed, orphan], k) => {
        const end = noonSec + 3 * k * day;
        return [
          charge(end - 30 * minute, { idea: "summarizer", amount: claimed }).event,
          charge(end - 20 * minute, { amount: orphan }).event,
          // Revenue outside the window does not count.
          charge(end - 3 * hour, { amount: 50_000 }).event,
        ];
      }),
    );
    for (const [k, [, orphan, severity, shown]] of cases.entries()) {
      const findings = await assess(deps, noonAfter(3 * k));
      assert.deepEqual(codes(findings), ["money.unattributed_revenue:revenue"]);
      const f = withRemedy(findings[0]!);
      assert.equal(f.severity, severity);
      assert.equal(f.blocking, false);
      assert.ok(
        f.summary.includes(
          `${(orphan / 100).toFixed(2)} USD of 100.00 USD of revenue (${shown}) over the last 1h`,
        ),
        f.summary,
      );
      assert.deepEqual(
        [f.evidence.numbers.unattributedMinor, f.evidence.numbers.revenueMinor],
        [orphan, 10_000],
      );
      assert.equal(f.evidence.numbers.share, orphan / 10_000);
      assert.ok(f.remedy!.some((a) => a.command === "steward money ledger --since 1h --idea unattributed"));
    }
    assert.deepEqual(codes(await assess(deps, noonAfter(9))), [], "under 5 %: nothing");
  });

  it("finds each idea whose costs (AI spend and expenses) exceed its revenue, from a dollar of cost", async (t) => {
    const { db, deps } = await moneyDeps(t, {
      providers: [{ id: "sim", type: "sim" }],
      models: [
        { id: "sim-writer", provider: "sim", model: "writer", price: { inputPerMTok: 0, outputPerMTok: 0 } },
      ],
    });
    await db.query(
      "INSERT INTO ideas (key, title) VALUES ('summarizer', 'Summaries'), ('earner', 'Earns'), ('tiny', 'Small')",
    );
    await deliver(db, [
      charge(noonSec - 30 * minute, { idea: "summarizer", amount: 500 }).event,
      charge(noonSec - 25 * minute, { idea: "earner", amount: 10_000 }).event,
    ]);
    await addExpenses(
      db,
      [
        { name: "Prompt design", amount: "20.00", currency: "usd", from: "2026-11-18", idea: "summarizer" },
        { name: "Hosting", amount: "3.00", currency: "usd", from: "2026-11-18", idea: "earner" },
        { name: "Stickers", amount: "0.50", currency: "usd", from: "2026-11-18", idea: "tiny" },
      ],
      noon,
    );
    // AI spend, rolled up from the attempts and put in the ledger as the workers' step does.
    await spend(db, {
      kind: "llm",
      model: "sim-writer",
      costUsd: 3.5,
      ideaKey: "summarizer",
      finishedAt: new Date(noon.getTime() - 3 * 3_600_000),
    });
    await syncDerivedEntries(db, noon);
    const findings = await assess(deps, noon);
    assert.deepEqual(codes(findings), ["money.negative_roi:summarizer"]);
    const f = withRemedy(findings[0]!);
    assert.equal(f.severity, 4);
    assert.equal(f.blocking, false);
    assert.match(f.summary, /Idea summarizer costs 23\.50 USD against 5\.00 USD of net revenue/);
    assert.deepEqual(
      [
        f.evidence.numbers.costMinor,
        f.evidence.numbers.aiSpendMinor,
        f.evidence.numbers.expensesMinor,
        f.evidence.numbers.revenueMinor,
      ],
      [2_350, 350, 2_000, 500],
    );
    assert.equal(
      f.evidence.window!.from,
      "2026-11-18T00:00:00.000Z",
      "whole UTC days: costs are booked per day",
    );
    assert.ok(f.remedy!.some((a) => a.config?.includes('"scope": "idea"')));
  });

  it("blocks on every spent budget, a model's and an idea's, for the kinds that spent on it", async (t) => {
    const { db, deps } = await moneyDeps(t, {
      providers: [{ id: "sim", type: "sim" }],
      models: [
        {
          id: "sim-writer",
          provider: "sim",
          model: "writer",
          price: { inputPerMTok: 0, outputPerMTok: 0 },
          dailyBudgetUsd: 1,
        },
        { id: "sim-other", provider: "sim", model: "other", price: { inputPerMTok: 0, outputPerMTok: 0 } },
      ],
      budgets: [{ scope: "idea", id: "summarizer", monthlyUsd: 2 }],
    });
    await db.query("INSERT INTO ideas (key, title) VALUES ('summarizer', 'Summaries')");
    // Now, by the database's clock: budgets are today's and this month's spend.
    await spend(db, { kind: "llm", model: "sim-writer", costUsd: 1.2, ideaKey: "summarizer" });
    await spend(db, { kind: "draft", model: "sim-writer", costUsd: 0.4 });
    await spend(db, { kind: "review", model: "sim-other", costUsd: 1.0, ideaKey: "summarizer" });
    const findings = await assess(deps, new Date());
    assert.deepEqual(codes(findings), [
      "money.budget_exceeded:idea:summarizer",
      "money.budget_exceeded:model:sim-writer",
    ]);
    const model = withRemedy(findings.find((f) => f.key === "money.budget_exceeded:model:sim-writer")!);
    assert.equal(model.severity, 8);
    assert.equal(model.blocking, true);
    assert.deepEqual(model.kinds, ["draft", "llm"]);
    assert.match(model.summary, /model sim-writer: daily budget spent \(\$1\.60 of \$1\.00\)/);
    assert.deepEqual(
      [
        model.evidence.numbers.spentUsd,
        model.evidence.numbers.capUsd,
        model.evidence.numbers.period,
        model.evidence.numbers.capScope,
      ],
      [1.6, 1, "daily", "model"],
    );
    assert.equal(model.evidence.numbers.kindsFrom, "window");
    assert.deepEqual(JSON.parse(model.remedy!.find((a) => a.config)!.config!), {
      models: [{ id: "sim-writer", dailyBudgetUsd: 3 }],
    });
    assert.ok(model.remedy!.some((a) => a.command === "steward gate status"));

    const idea = withRemedy(findings.find((f) => f.key === "money.budget_exceeded:idea:summarizer")!);
    assert.equal(idea.severity, 8);
    assert.equal(idea.blocking, true);
    assert.deepEqual(idea.kinds, ["llm", "review"]);
    assert.match(idea.summary, /idea summarizer: monthly budget spent \(\$2\.20 of \$2\.00\)/);
    assert.deepEqual([idea.evidence.numbers.spentUsd, idea.evidence.numbers.capUsd], [2.2, 2]);
    assert.deepEqual(JSON.parse(idea.remedy!.find((a) => a.config)!.config!), {
      budgets: [{ scope: "idea", id: "summarizer", monthlyUsd: 4 }],
    });
  });

  it("blocks each model of a provider whose budget is spent, for the kinds of the month when none spent in the window", async (t) => {
    const { db, deps } = await moneyDeps(t, {
      providers: [{ id: "sim", type: "sim" }],
      models: [
        { id: "sim-a", provider: "sim", model: "a", price: { inputPerMTok: 0, outputPerMTok: 0 } },
        { id: "sim-b", provider: "sim", model: "b", price: { inputPerMTok: 0, outputPerMTok: 0 } },
      ],
      budgets: [{ scope: "provider", id: "sim", monthlyUsd: 2 }],
    });
    await spend(db, { kind: "llm", model: "sim-a", costUsd: 1.5 });
    await spend(db, { kind: "draft", model: "sim-b", costUsd: 0.75 });
    // Assessed two hours on: the window holds no spend, the month does (unless it just began).
    const later = new Date(Date.now() + 2 * 3_600_000);
    const monthStarted = later.getUTCMonth() !== new Date().getUTCMonth();
    const findings = await assess(deps, monthStarted ? new Date() : later);
    assert.deepEqual(codes(findings), [
      "money.budget_exceeded:model:sim-a",
      "money.budget_exceeded:model:sim-b",
    ]);
    const a = findings.find((f) => f.key === "money.budget_exceeded:model:sim-a")!;
    assert.deepEqual(a.kinds, ["llm"]);
    assert.equal(a.evidence.numbers.kindsFrom, monthStarted ? "window" : "month");
    assert.deepEqual(
      [
        a.evidence.numbers.capScope,
        a.evidence.numbers.capId,
        a.evidence.numbers.spentUsd,
        a.evidence.numbers.capUsd,
      ],
      ["provider", "sim", 2.25, 2],
    );
    assert.match(a.summary, /provider sim: monthly budget spent \(\$2\.25 of \$2\.00\)/);
    assert.deepEqual(JSON.parse(a.remedy!.find((r) => r.config)!.config!), {
      budgets: [{ scope: "provider", id: "sim", monthlyUsd: 4 }],
    });
    assert.deepEqual(findings.find((f) => f.key === "money.budget_exceeded:model:sim-b")!.kinds, ["draft"]);
  });
});
