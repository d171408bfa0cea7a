import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listLedger } from "../../src/money/ledger.ts";
import { syncDerivedEntries } from "../../src/money/money-step.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { queueDepth } from "../../src/tasks/query-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

describe(`AI usage in the ledger on ${backend}`, () => {
  it("puts what the attempts cost in the ledger per day, model and idea, once however often it is derived", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: oneSimWriter({ price: { inputPerMTok: 2_000, outputPerMTok: 6_000 } }),
    });
    const { rows: ideas } = await db.query<{ id: number; key: string }>(
      `INSERT INTO ideas (key, title, income_stream) VALUES ('summarizer', 'Summaries', 'subscriptions'), ('translator', 'Translations', NULL)
       RETURNING id, key`,
    );
    const llm = (ideaId?: number) => ({
      kind: "llm",
      payload: { prompt: "Write a tagline for a tea shop" },
      ...(ideaId ? { ideaId } : {}),
    });
    await enqueueTasks(deps, [llm(ideas[0]!.id), llm(ideas[0]!.id), llm(ideas[1]!.id), llm(), llm()]);
    const pool = new WorkerPool(deps, { concurrency: 4, pollMs: 20 });
    await pool.start();
    await waitFor(async () => (await queueDepth(db, { live: true })).length === 0, {
      what: "the tasks to finish",
    });
    await pool.stop();

    await syncDerivedEntries(db, new Date());
    await syncDerivedEntries(db, new Date());
    const entries = (await listLedger(db)).filter((e) => e.source === "ai_usage");
    // The step's later runs derive only the recent days: from yesterday, the same entries; from
    // tomorrow, today's are left as they are.
    const lines = async () =>
      (await listLedger(db))
        .filter((e) => e.source === "ai_usage")
        .map((e) => `${e.sourceId} ${e.amountMinor}`)
        .sort();
    const before = await lines();
    await syncDerivedEntries(db, new Date(), new Date(Date.now() - 86_400_000));
    assert.deepEqual(await lines(), before);
    await syncDerivedEntries(db, new Date(), new Date(Date.now() + 86_400_000));
    assert.deepEqual(await lines(), before);
    // What the attempts themselves recorded, per idea, rounded to the cent as the ledger keeps it.
    const { rows: spent } = await db.query<{ idea: string | null; cents: number }>(
      `SELECT i.key AS idea, round(sum(a.cost_usd) * 100)::float8 AS cents
       FROM task_attempts a JOIN execution_tasks t ON t.id = a.task_id LEFT JOIN ideas i ON i.id = t.idea_id
       GROUP BY i.key ORDER BY i.key NULLS LAST`,
    );
    assert.ok(
      spent.every((s) => s.cents > 0),
      "every group spent something",
    );
    assert.deepEqual(
      entries
        .map((e) => [e.idea, -e.amountMinor, e.currency, e.stream])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      spent
        .map((s) => [s.idea, s.cents, "usd", s.idea === "summarizer" ? "subscriptions" : null])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    for (const e of entries) {
      assert.equal(e.sourceId, `ai_usage:${e.occurredAt.slice(0, 10)}:sim-writer:${e.idea ?? "none"}`);
      assert.equal(e.model, "sim-writer");
      assert.ok(e.occurredAt.endsWith("T00:00:00.000Z"), "at the start of its day");
    }
  });
});
