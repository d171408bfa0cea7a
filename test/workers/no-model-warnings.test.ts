import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getSystemStatus } from "../../src/app/system-status.ts";
import { demoKinds } from "../../src/demo/demo-kinds.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { capturedLogger } from "../support/captured-logger.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

describe(`a worker that no model serves on ${backend}`, () => {
  it("warns once a minute for each kind and reason, naming the kinds and why; status counts them as waiting with the reason", async (t) => {
    const { db } = await createTestDatabase(t);
    // Tasks are added by a process that has models (enqueue checks that one could take them)...
    const withModels = await testDeps(db, {
      config: {
        providers: [{ id: "sim", type: "sim" }],
        models: [
          {
            id: "sim-any",
            provider: "sim",
            model: "any",
            price: { inputPerMTok: 0, outputPerMTok: 0 },
            capabilities: { planning: 5, reasoning: 5, writing: 5 },
          },
        ],
      },
    });
    // ...and claimed by a worker whose configuration names none, on a clock the test moves.
    const noModels = await testDeps(db, { migrate: false });
    let offsetMs = 0;
    const { logger, entries: lines } = capturedLogger();
    Object.assign(noModels, { logger, clock: { now: () => new Date(Date.now() + offsetMs) } });
    // The demo's kinds; self_improvement is Steward's own already (it runs on a model as well).
    for (const kind of demoKinds)
      for (const registry of [withModels.kinds, noModels.kinds])
        if (!registry.get(kind.name)) registry.register(kind);
    const kinds = ["implement_idea", "self_improvement", "llm"];
    const plan = (n: number) =>
      Array.from({ length: n }, () => ({ kind: "implement_idea", capabilities: ["planning"] }));
    await enqueueTasks(withModels, [
      ...plan(3),
      ...[1, 2].map(() => ({ kind: "self_improvement", capabilities: ["reasoning"] })),
      { kind: "llm", capabilities: ["writing"], payload: { prompt: "say hello" } },
    ]);
    const pool = new WorkerPool(noModels, { kinds, concurrency: 20, pollMs: 20 });
    await pool.start();
    t.after(() => pool.stop());
    const handedBack = (n: number) =>
      waitFor(
        async () => {
          const { rows } = await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'queued' AND assignment IS NOT NULL",
          );
          return rows[0]!.n === n;
        },
        { what: `${n} tasks handed back for want of a model` },
      );
    const warnings = () => lines.filter((l) => / cannot run: /.test(l.msg));

    await handedBack(6);
    await waitFor(() => warnings().length === 1, { what: "the warning" });
    const [first] = warnings();
    assert.match(
      first!.msg,
      /^6 tasks of kinds implement_idea, llm, self_improvement cannot run: no model is configured \(configure models that can take them, see README, Models\)/,
    );
    assert.deepEqual(first!.kinds, ["implement_idea", "llm", "self_improvement"]);
    assert.equal(first!.cause, "unavailable");

    // More of the same within the minute: counted, not warned about.
    await enqueueTasks(withModels, plan(2));
    await handedBack(8);
    assert.equal(warnings().length, 1, "once a minute for each kind and reason");

    // A minute later, the next one says how many were handed back since.
    offsetMs = 61_000;
    await enqueueTasks(withModels, plan(1));
    await handedBack(9);
    await waitFor(() => warnings().length === 2, { what: "the second warning" });
    assert.match(warnings()[1]!.msg, /^3 tasks of kind implement_idea cannot run: no model is configured/);
    await pool.stop();

    // `steward status` (the system status it renders) counts them as waiting, with the reason.
    const status = await getSystemStatus(noModels, { waiting: true });
    assert.equal(status.waiting?.byReason.no_model, 9);
    assert.deepEqual(
      status.waiting?.groups.map((g) => [g.reason, g.kind, g.count, g.cause, g.explanation]),
      [
        ["no_model", "implement_idea", 6, "unavailable", "no model is configured"],
        ["no_model", "self_improvement", 2, "unavailable", "no model is configured"],
        ["no_model", "llm", 1, "unavailable", "no model is configured"],
      ],
    );
    assert.equal((await getSystemStatus(noModels)).waiting, undefined, "readiness does not count them");
  });
});
