import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import { startDemoFsar, withDemoFsar } from "../../src/demo/demo-fsar.ts";
import { runDoctor } from "../../src/doctor/run-doctor.ts";
import { gateState } from "../../src/tasks/execution-gate.ts";
import { listOperatorActions } from "../../src/tasks/operator-actions.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

const reports = async (deps: Awaited<ReturnType<typeof testDeps>>) =>
  (
    await deps.db.query<{ trigger: string; block_execution: boolean; severity: number }>(
      "SELECT trigger, block_execution, severity FROM fsar_reports ORDER BY created_at, id",
    )
  ).rows;

describe(`the demo's FSAR story on ${backend}`, () => {
  it("a first report, then the seed's drift: the gate closes with a blocking report and opens after the repair, once per database", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const fsar = fsarDepsOf(deps);
    const demo = await startDemoFsar(fsar, { faultAfterMs: 10, reportWithinMs: 50, repairAfterMs: 200 });
    await demo.told;
    const written = await reports(deps);
    assert.deepEqual(
      written.map((r) => [r.trigger.split(":")[0], r.block_execution]),
      [
        ["demo", false],
        ["demo", true],
        ["demo", false],
      ],
    );
    assert.equal(written[1]!.severity, 9, "the drift is a severity-9 blocking finding");
    assert.equal((await gateState(db)).open, true, "the gate is open again after the repair");
    assert.equal((await runDoctor(deps)).status, "clean", "the demo leaves its database repaired");
    const actions = (await listOperatorActions(db)).map((a) => a.action).reverse();
    assert.deepEqual(actions, ["gate.close", "gate.open"], "the close and the open are in the log");
    const again = await startDemoFsar(fsar, { faultAfterMs: 10, reportWithinMs: 50, repairAfterMs: 200 });
    await again.told;
    assert.equal((await reports(deps)).length, 3, "the story is told once per database");
  });

  it("stopped during the drift, it repairs the schema before it returns", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const demo = await startDemoFsar(fsarDepsOf(deps), {
      faultAfterMs: 10,
      reportWithinMs: 60_000,
      repairAfterMs: 60_000,
    });
    await waitFor(
      async () =>
        (
          await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'execution_tasks' AND column_name = 'ai_model'",
          )
        ).rows[0]!.n === 0,
      { what: "the demo to drop the column" },
    );
    await demo.stop();
    assert.equal((await runDoctor(deps)).status, "clean");
  });

  it("stopped while its first report is written, it returns once that report is stored", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const demo = await startDemoFsar(fsarDepsOf(deps), { faultAfterMs: 600_000 });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"waited">((resolve) => {
      timer = setTimeout(() => resolve("waited"), 60_000);
    });
    const stopped = await Promise.race([demo.stop().then(() => "stopped" as const), bound]);
    clearTimeout(timer);
    assert.equal(stopped, "stopped", "stop does not wait for the fault's minute");
    assert.equal((await reports(deps)).length, 1);
  });

  it("the demo's schedule is every two minutes unless one is configured", () => {
    const base = { fsar: { schedule: "*/30 * * * *" } } as Parameters<typeof withDemoFsar>[0];
    assert.equal(withDemoFsar(base).fsar.schedule, "*/2 * * * *");
    const mine = { fsar: { schedule: "0 * * * *" } } as Parameters<typeof withDemoFsar>[0];
    assert.equal(withDemoFsar(mine).fsar.schedule, "0 * * * *");
  });
});
