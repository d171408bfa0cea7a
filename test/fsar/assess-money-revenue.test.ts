import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addExpenses } from "../../src/money/expenses.ts";
import { syncDerivedEntries } from "../../src/money/money-step.ts";
import { deliver } from "../money/stripe-fixtures.ts";
import { backend } from "../support/test-database.ts";
import {
  assess,
  charge,
  codes,
  day,
  hour,
  minute,
  moneyDeps,
  noon,
  noonAfter,
  noonSec,
  spend,
  withRemedy,
} from "./money-scenario.ts";

describe(`the money assessor: attribution, ROI, budgets on ${backend}`, () => {
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
