import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

describe(`steward expense on ${backend}`, () => {
  it("adds, lists, imports (refusing a bad CSV whole, naming line and column) and removes expenses", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDeps(testDb.db);
    if (backend === "pglite") await testDb.db.close();
    const cwd = tempFolder("expense-cli");
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const add = await runCli(
      [
        "expense",
        "add",
        "--name",
        "Hosting",
        "--amount",
        "49.00",
        "--currency",
        "usd",
        "--every",
        "month",
        "--from",
        "2026-01-01",
        "--category",
        "hosting",
      ],
      { cwd, env },
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(
      add.stdout,
      /Expense 1 recorded: Hosting \(hosting\), 49\.00 USD every month from 2026-01-01\./,
    );
    const bad = await runCli(
      ["expense", "add", "--name", "X", "--amount", "4,90", "--currency", "usd", "--from", "2026-01-01"],
      { cwd, env },
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /amount: "4,90" is not an amount: use digits and a point, as 49\.00/);

    const csv = path.join(cwd, "expenses.csv");
    writeFileSync(csv, "name,amount,currency,from\nDesigner,800,eur,2026-02-01\nTypo,8oo,eur,2026-02-01\n");
    const refused = await runCli(["expense", "import", csv], { cwd, env });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /1 bad row, nothing was imported .*line 3, column amount: "8oo" is not an amount/,
    );
    const skipped = await runCli(["expense", "import", csv, "--skip-bad-rows"], { cwd, env });
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /Imported 1 expenses/);
    assert.match(skipped.stderr, /skipped line 3, column amount/);

    const list = await runCli(["expense", "list"], { cwd, env });
    assert.match(list.stdout, /\n\s*2\s+Designer\s+other\s+800\.00 EUR\s+once\s+2026-02-01/);
    assert.match(list.stdout, /\n\s*1\s+Hosting\s+hosting\s+49\.00 USD\s+month\s+2026-01-01/);
    const ledger = await runCli(["money", "ledger", "--json"], { cwd, env });
    const lines = ledger.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { source_id: string; amount_minor: number });
    assert.ok(lines.some((l) => l.source_id === "expense:1:2026-01-01" && l.amount_minor === -4900));
    assert.ok(lines.some((l) => l.source_id === "expense:2:2026-02-01" && l.amount_minor === -80000));

    const removed = await runCli(["expense", "remove", "1", "7"], { cwd, env });
    assert.match(removed.stdout, /Removed expense 1\./);
    assert.match(removed.stderr, /No expense 7/);
    const after = await runCli(["money", "ledger", "--json"], { cwd, env });
    assert.doesNotMatch(after.stdout, /expense:1:/);
  });
});
