import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import {
  closeGateByHand,
  gateState,
  holdGate,
  overriddenKeys,
  overrideGate,
  releaseGate,
} from "../../src/tasks/execution-gate.ts";
import { listOperatorActions, stewardActor } from "../../src/tasks/operator-actions.ts";
import { getWaitingTasks } from "../../src/tasks/waiting-tasks.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

const operator = { name: "ada", via: "cli" as const };
const claim = (deps: Deps) =>
  claimTasks(deps.db, { workerId: "w", limit: 100, kinds: deps.kinds.names(), leaseMs: 30_000 });

describe(`the execution gate on ${backend}`, () => {
  it("closed for every kind, the claim takes nothing; opened, it takes the tasks again", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(deps, [{ kind: "noop" }, { kind: "sleep", payload: { ms: 1 } }]);
    const change = await db.transaction((tx) =>
      holdGate(tx, {
        cause: "fsar:steward",
        kinds: [],
        reason: "drift",
        reportId: "fsar_x",
        findingKeys: ["k"],
        actor: stewardActor,
      }),
    );
    assert.deepEqual(change.closed, ["*"]);
    assert.equal(change.state.closedForAll, true);
    assert.deepEqual(await claim(deps), [], "nothing is claimed while the gate is closed for every kind");
    const waiting = await getWaitingTasks(db);
    assert.equal(waiting.byReason.gated, 2, "the waiting tasks say why they wait");
    const opened = await db.transaction((tx) =>
      releaseGate(tx, { cause: "fsar:steward", reason: "no blocking finding", actor: stewardActor }),
    );
    assert.deepEqual(opened.opened, ["*"]);
    assert.equal(opened.state.open, true);
    assert.equal((await claim(deps)).length, 2);
  });

  it("closed for some kinds, the claim takes the others", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await enqueueTasks(deps, [{ kind: "noop" }, { kind: "sleep", payload: { ms: 1 } }]);
    await db.transaction((tx) =>
      holdGate(tx, { cause: "fsar:steward", kinds: ["noop"], reason: "budget", actor: stewardActor }),
    );
    const claimed = await claim(deps);
    assert.deepEqual(
      claimed.map((c) => c.kind),
      ["sleep"],
    );
    const state = await gateState(db);
    assert.deepEqual(state.closedKinds, ["noop"]);
    assert.equal(state.closedForAll, false);
  });

  it("two causes hold a scope until both let go; holding again with other kinds lets the old ones go", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await db.transaction((tx) =>
      holdGate(tx, { cause: "fsar:steward", kinds: ["noop"], reason: "a", actor: stewardActor }),
    );
    await db.transaction((tx) =>
      holdGate(tx, { cause: "fsar:import:agent", kinds: ["noop"], reason: "b", actor: stewardActor }),
    );
    await db.transaction((tx) =>
      releaseGate(tx, { cause: "fsar:steward", reason: "gone", actor: stewardActor }),
    );
    assert.deepEqual((await gateState(db)).closedKinds, ["noop"], "the other cause still holds it");
    const moved = await db.transaction((tx) =>
      holdGate(tx, { cause: "fsar:import:agent", kinds: ["sleep"], reason: "c", actor: stewardActor }),
    );
    assert.deepEqual(moved.closed, ["sleep"]);
    assert.deepEqual(moved.opened, ["noop"]);
  });

  it("an operator's open needs a reason, lets every closure go and overrides the findings behind them", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    await db.transaction((tx) =>
      holdGate(tx, {
        cause: "fsar:steward",
        kinds: [],
        reason: "drift",
        reportId: "fsar_1",
        findingKeys: ["schema.missing_object:t.c"],
        actor: stewardActor,
      }),
    );
    await assert.rejects(
      () => overrideGate(db, { kinds: [], reason: "  ", actor: operator }),
      (error) => isStewardError(error, "validation_failed") && /needs a reason/.test(error.message),
    );
    assert.equal((await gateState(db)).open, false, "a refused open changes nothing");
    const change = await overrideGate(db, {
      kinds: [],
      reason: "repaired by hand, checked",
      actor: operator,
    });
    assert.deepEqual(change.opened, ["*"]);
    assert.equal(change.state.open, true);
    assert.deepEqual([...(await overriddenKeys(db, "steward"))], ["schema.missing_object:t.c"]);
    const [last] = await listOperatorActions(db);
    assert.equal(last!.action, "gate.override");
    assert.equal(last!.actor, "ada");
    assert.equal(last!.via, "cli");
    assert.equal(last!.reason, "repaired by hand, checked");
  });

  it("closing by hand refuses an unknown kind and adds kinds up; every change is in the log", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await assert.rejects(
      () => closeGateByHand(deps, { kinds: ["nope"], reason: "x", actor: operator }),
      (error) => isStewardError(error) && /nope/.test(error.message),
    );
    await assert.rejects(
      () => closeGateByHand(deps, { kinds: ["noop"], reason: "", actor: operator }),
      (error) => isStewardError(error, "validation_failed"),
    );
    await closeGateByHand(deps, { kinds: ["noop"], reason: "maintenance", actor: operator });
    const second = await closeGateByHand(deps, { kinds: ["sleep"], reason: "maintenance", actor: operator });
    assert.deepEqual(second.state.closedKinds, ["noop", "sleep"]);
    const log = await listOperatorActions(db);
    assert.deepEqual(
      log.map((a) => a.action),
      ["gate.close", "gate.close"],
    );
    assert.deepEqual(log[0]!.kinds, ["noop", "sleep"]);
  });
});
