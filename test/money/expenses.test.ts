import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { addExpenses, importExpenses, listExpenses, removeExpenses } from "../../src/money/expenses.ts";
import { listLedger } from "../../src/money/ledger.ts";
import { syncDerivedEntries } from "../../src/money/money-step.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const today = new Date("2026-04-15T09:00:00Z");

async function ledgerDb(t: TestContext) {
  const { db } = await createTestDatabase(t);
  await testDeps(db);
  return db;
}

const expenseLines = async (db: Parameters<typeof listLedger>[0]) =>
  (await listLedger(db))
    .filter((e) => e.source === "expense")
    .map((e) => `${e.sourceId} ${e.amountMinor} ${e.currency} ${e.idea ?? "-"}`);

describe(`expenses on ${backend}`, () => {
  it("puts each occurrence up to today in the ledger: one-off, weekly until an end, monthly from the 31st, yearly", async (t) => {
    const db = await ledgerDb(t);
    const added = await addExpenses(
      db,
      [
        {
          name: "Hosting",
          category: "hosting",
          amount: "49.00",
          currency: "USD",
          every: "month",
          from: "2026-01-31",
        },
        {
          name: "Logo",
          category: "tools",
          amount: "120",
          currency: "eur",
          from: "2026-02-02",
          idea: "summarizer",
        },
        {
          name: "Standup bot",
          amountMinor: 500,
          currency: "usd",
          every: "week",
          from: "2026-03-30",
          until: "2026-04-10",
        },
        { name: "Domain", amount: "1500", currency: "jpy", every: "year", from: "2025-05-01" },
        { name: "Conference", amount: "300.00", currency: "usd", from: "2026-06-01" },
      ],
      today,
    );
    assert.equal(added.length, 5);
    assert.deepEqual(await expenseLines(db), [
      `expense:${added[3]!.id}:2025-05-01 -1500 jpy -`,
      `expense:${added[0]!.id}:2026-01-31 -4900 usd -`,
      `expense:${added[1]!.id}:2026-02-02 -12000 eur summarizer`,
      `expense:${added[0]!.id}:2026-02-28 -4900 usd -`,
      `expense:${added[2]!.id}:2026-03-30 -500 usd -`,
      `expense:${added[0]!.id}:2026-03-31 -4900 usd -`,
      `expense:${added[2]!.id}:2026-04-06 -500 usd -`,
    ]);
    // Derived again (the workers' step does it each minute): the same entries, none twice.
    await syncDerivedEntries(db, today);
    await syncDerivedEntries(db, today);
    assert.equal((await expenseLines(db)).length, 7);
    // On 1 May the hosting has paid once more (30 April) and the domain's second year begins.
    await syncDerivedEntries(db, new Date("2026-05-01T00:00:00Z"));
    const may = await expenseLines(db);
    assert.equal(may.length, 9);
    assert.ok(may.includes(`expense:${added[0]!.id}:2026-04-30 -4900 usd -`));
    assert.ok(may.includes(`expense:${added[3]!.id}:2026-05-01 -1500 jpy -`));

    const removed = await removeExpenses(db, [added[0]!.id, 999_999], today);
    assert.deepEqual(removed, { removed: [added[0]!.id], missing: [999_999] });
    assert.ok((await expenseLines(db)).every((l) => !l.startsWith(`expense:${added[0]!.id}:`)));
    assert.equal((await listExpenses(db)).length, 4);
  });

  it("refuses a bad expense whole, naming each field and what is allowed", async (t) => {
    const db = await ledgerDb(t);
    await assert.rejects(
      addExpenses(
        db,
        [
          { name: "Fine", amount: "1.00", currency: "usd", from: "2026-01-01" },
          { name: "Too precise", amount: "12.505", currency: "usd", from: "2026-01-01" },
          { name: "Yen cents", amount: "100.5", currency: "jpy", from: "2026-01-01" },
          { name: "Daily", amount: "1", currency: "usd", every: "day", from: "2026-02-30" },
          {
            name: "Backwards",
            amount: "1",
            currency: "dollars",
            every: "month",
            from: "2026-03-01",
            until: "2026-02-01",
          },
        ],
        today,
      ),
      (error: Error & { details?: { problems: { path: string; message: string }[] } }) => {
        const paths = error.details!.problems.map((p) => p.path);
        assert.deepEqual(paths, [
          "expenses[1].amount",
          "expenses[2].amount",
          "expenses[3].every",
          "expenses[3].from",
          "expenses[4].currency",
          "expenses[4].until",
        ]);
        assert.match(error.message, /expenses\[1\]\.amount: USD has 2 decimals, "12\.505" has more/);
        assert.match(error.message, /JPY has no decimals/);
        return true;
      },
    );
    assert.equal((await listExpenses(db)).length, 0, "nothing was added");
  });

  it("imports a CSV all or nothing, naming each bad row's line and column; --skip-bad-rows imports the good ones", async (t) => {
    const db = await ledgerDb(t);
    const csv = [
      "name,category,amount,currency,every,from,until,idea,stream",
      "Hosting,hosting,49.00,usd,month,2026-03-01,,,",
      '"Design, tools",tools,12,eur,once,2026-03-05,,summarizer,',
      "Broken,tools,twelve,usd,once,2026-03-05,,,",
      "",
      "Late,people,100,usd,fortnight,2026-03-05,,,",
    ].join("\n");
    await assert.rejects(importExpenses(db, csv, { today }), (error: Error) => {
      assert.match(
        error.message,
        /2 bad rows, nothing was imported \(--skip-bad-rows imports the good ones\)/,
      );
      assert.match(error.message, /line 4, column amount: "twelve" is not an amount/);
      assert.match(error.message, /line 6, column every: /);
      return true;
    });
    assert.equal((await listExpenses(db)).length, 0);
    const result = await importExpenses(db, csv, { today, skipBadRows: true });
    assert.equal(result.added, 2);
    assert.deepEqual(
      result.bad.map((b) => [b.line, b.column]),
      [
        [4, "amount"],
        [6, "every"],
      ],
    );
    assert.deepEqual(
      (await listExpenses(db)).map((e) => [e.name, e.amountMinor, e.currency, e.idea]),
      [
        ["Design, tools", 1200, "eur", "summarizer"],
        ["Hosting", 4900, "usd", null],
      ],
    );
    await assert.rejects(importExpenses(db, "name,price\nX,1\n", { today }), /unknown columns price/);
  });
});
