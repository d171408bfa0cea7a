import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalCdf } from "../../bench/scheduler/distributions.ts";
import { EventQueue } from "../../bench/scheduler/event-queue.ts";
import { measure } from "../../bench/scheduler/metrics.ts";
import { mulberry32 } from "../../bench/scheduler/random.ts";
import { epoch } from "../../bench/scheduler/scheduler-view.ts";
import type { SimModel } from "../../bench/scheduler/sim-models.ts";
import { callModel } from "../../bench/scheduler/sim-provider.ts";
import { maxAttempts, simulate } from "../../bench/scheduler/simulate.ts";
import { createStrategy, type Strategy, strategyNames } from "../../bench/scheduler/strategies.ts";
import { generateTasks, type Scenario, type SimTaskSpec } from "../../bench/scheduler/world.ts";
import { classic, classicAccept } from "../../bench/scheduler/worlds/classic.ts";
import type { ModelState } from "../../src/scheduler/scheduler-types.ts";
import { model, now, task } from "./scheduler-fixtures.ts";

const simModels = classic.models;
const accept = classic.accept;

/** A classic workload cut to a few minutes of arrivals, so that a run takes a fraction of a second. */
function short(name: string, minutes = 8): Scenario {
  const workload = classic.scenarios.find((w) => w.name === name);
  assert.ok(workload, name);
  return { ...workload, horizonMs: minutes * 60_000 };
}

const spec = (over: Partial<SimTaskSpec> = {}): SimTaskSpec => ({
  id: 1,
  kind: "implement_idea",
  stage: "Implement Ideas",
  urgency: 5,
  complexity: 5,
  capabilities: ["code"],
  arrivalMs: 0,
  deadlineMs: 300_000,
  estimatedInputTokens: 4_000,
  estimatedOutputTokens: 1_000,
  ...over,
});

function withProfile(over: Partial<SimModel["config"]["sim"]>): SimModel {
  const base = simModels().find((m) => m.config.id === "sim-mid")!;
  return { ...base, config: { ...base.config, sim: { ...base.config.sim, ...over } } };
}

describe("the event queue", () => {
  it("gives events by time, and those at one time in the order they were scheduled", () => {
    const queue = new EventQueue<string>();
    for (const [at, name] of [
      [30, "c"],
      [10, "a1"],
      [20, "b"],
      [10, "a2"],
      [10, "a3"],
    ] as const) {
      queue.push(at, name);
    }
    const out: string[] = [];
    for (let e = queue.pop(); e !== null; e = queue.pop()) out.push(e.event);
    assert.deepEqual(out, ["a1", "a2", "a3", "b", "c"]);
  });
});

describe("the simulated provider", () => {
  it("refuses every call during a burst of 429s, with the profile's Retry-After", () => {
    const model = withProfile({ rateLimitBurstRate: 1, rateLimitBurstMs: 10_000, retryAfterSeconds: 7 });
    const provider = { burstUntil: 0 };
    const first = callModel(model, provider, spec(), 1_000, mulberry32(1), accept);
    assert.deepEqual(first.kind === "rate_limited" && first.retryAfterMs, 7_000);
    assert.equal(provider.burstUntil, 11_000);
    const calm = withProfile({ rateLimitBurstRate: 0 });
    assert.equal(callModel(calm, provider, spec(), 5_000, mulberry32(2), accept).kind, "rate_limited");
    assert.notEqual(callModel(calm, provider, spec(), 11_000, mulberry32(2), accept).kind, "rate_limited");
  });

  it("fails with a server error at the failure rate, after its time to first token", () => {
    const model = withProfile({ failureRate: 1, rateLimitBurstRate: 0, jitter: 0 });
    const outcome = callModel(model, { burstUntil: 0 }, spec(), 0, mulberry32(3), accept);
    assert.deepEqual(outcome, { kind: "server_error", latencyMs: model.config.sim.baseLatencyMs });
  });

  it("answers in base + per-token latency, within the jitter, with ±50 % of the expected output", () => {
    const model = withProfile({ failureRate: 0, rateLimitBurstRate: 0 });
    const { baseLatencyMs, perOutputTokenMs, jitter } = model.config.sim;
    for (let seed = 1; seed <= 50; seed++) {
      const outcome = callModel(model, { burstUntil: 0 }, spec(), 0, mulberry32(seed), accept);
      assert.equal(outcome.kind, "answered");
      if (outcome.kind !== "answered") continue;
      assert.ok(outcome.outputTokens >= 500 && outcome.outputTokens <= 1_500);
      const nominal = baseLatencyMs + perOutputTokenMs * outcome.outputTokens;
      assert.ok(
        outcome.latencyMs >= nominal * (1 - jitter) - 1e-9 &&
          outcome.latencyMs <= nominal * (1 + jitter) + 1e-9,
      );
    }
  });

  it("judges the work by true level against complexity (the world's quality model)", () => {
    const mid = simModels().find((m) => m.config.id === "sim-mid")!;
    // sim-mid declares code 7; its hidden offset on implement_idea is 0.
    assert.ok(Math.abs(classicAccept(mid, spec({ complexity: 7 })) - 0.96 * normalCdf(1 / 1.6)) < 1e-12);
    assert.ok(classicAccept(mid, spec({ complexity: 9 })) < classicAccept(mid, spec({ complexity: 5 })));
    // Its hidden offset on self_improvement is −2: worse than its declared levels say.
    const self = spec({ kind: "self_improvement", capabilities: ["code", "reasoning"], complexity: 6 });
    assert.ok(Math.abs(classicAccept(mid, self) - 0.96 * normalCdf((6 - 2 - 6 + 1) / 1.6)) < 1e-12);
    assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-9 && Math.abs(normalCdf(1.96) - 0.975) < 1e-4);
  });
});

describe("the workload generator", () => {
  it("draws the same tasks for the same seed, other tasks for another", () => {
    const steady = short("steady");
    assert.deepEqual(generateTasks(classic, steady, 4), generateTasks(classic, steady, 4));
    assert.notDeepEqual(generateTasks(classic, steady, 4), generateTasks(classic, steady, 5));
    for (const task of generateTasks(classic, steady, 4)) {
      assert.ok(task.complexity >= 0 && task.complexity <= 10 && task.deadlineMs > task.arrivalMs);
    }
  });
});

describe("the simulation", () => {
  it("is deterministic for a seed, for every strategy", () => {
    const workload = short("bursty", 5);
    for (const strategy of strategyNames) {
      assert.deepEqual(
        simulate(classic, workload, strategy, 11),
        simulate(classic, workload, strategy, 11),
        strategy,
      );
    }
  });

  it("ends every task that arrives exactly once, succeeded or failed, and counts every attempt", () => {
    for (const name of ["steady", "overload"]) {
      const workload = short(name, 4);
      const arrived = generateTasks(classic, workload, 3);
      for (const strategy of strategyNames) {
        const run = simulate(classic, workload, strategy, 3);
        const ids = run.tasks.map((t) => t.id).sort((a, b) => a - b);
        assert.deepEqual(
          ids,
          arrived.map((t) => t.id),
          `${name}/${strategy}: each task once`,
        );
        for (const t of run.tasks) {
          assert.ok(t.outcome === "succeeded" || t.outcome === "failed");
          assert.ok(t.attempts >= 1 && t.attempts <= maxAttempts);
          if (t.outcome === "failed") assert.equal(t.attempts, maxAttempts);
        }
        assert.equal(
          run.attempts,
          run.tasks.reduce((sum, t) => sum + t.attempts, 0),
          `${name}/${strategy}: attempts`,
        );
        const succeeded = run.tasks.filter((t) => t.outcome === "succeeded").length;
        assert.equal(run.failedAttempts, run.attempts - succeeded, `${name}/${strategy}: failed attempts`);
      }
    }
  });

  it("gives Steward a lower weighted tardiness than round-robin on a short run", () => {
    for (const seed of [1, 2]) {
      const workload = short("steady");
      const steward = measure(simulate(classic, workload, "steward", seed));
      const roundRobin = measure(simulate(classic, workload, "round-robin", seed));
      assert.ok(
        steward.weighted_tardiness < roundRobin.weighted_tardiness,
        `seed ${seed}: Steward ${steward.weighted_tardiness} vs round-robin ${roundRobin.weighted_tardiness}`,
      );
    }
  });
});

describe("the baselines that wait for their model", () => {
  // Fixture latency: 500 ms + 10 ms × 1,000 output tokens = 10.5 s an attempt.
  const pool = (over: Partial<Record<"cheap" | "dear" | "weak", Partial<ModelState>>> = {}) => [
    model({
      id: "a-cheap",
      capabilities: { code: 6 },
      inputPerMTok: 0.1,
      outputPerMTok: 0.4,
      concurrency: 2,
      ...over.cheap,
    }),
    model({ id: "b-dear", capabilities: { code: 9 }, inputPerMTok: 5, outputPerMTok: 20, ...over.dear }),
    // The cheapest of all, but below the task's complexity (5).
    model({ id: "c-weak", capabilities: { code: 3 }, inputPerMTok: 0.01, outputPerMTok: 0.01, ...over.weak }),
  ];
  const assign = (
    name: "cheapest-capable-waits" | "strongest-capable-waits",
    models: ModelState[],
    tasks = [task()],
  ) => createStrategy(name, () => 0).assign({ now, tasks, models });

  it("cheapest-capable-waits gives a task the cheapest capable model, and waits for it when it is busy", () => {
    assert.deepEqual(assign("cheapest-capable-waits", pool()), {
      picks: [{ taskId: 1, modelId: "a-cheap" }],
      holds: [],
    });
    // Busy: held for it, not given to the free, dearer or weaker ones; back after 10.5 s ÷ 3.
    assert.deepEqual(assign("cheapest-capable-waits", pool({ cheap: { inFlight: 2 } })), {
      picks: [],
      holds: [{ taskId: 1, waitingFor: { modelId: "a-cheap", expectedWaitMs: 3_500 } }],
    });
    // Three held for it elsewhere in the queue: 10.5 s ÷ 2 more for each.
    const queued = assign("cheapest-capable-waits", pool({ cheap: { inFlight: 2, waiting: 3 } }));
    assert.equal(queued.holds[0]?.waitingFor.expectedWaitMs, 3_500 + 3 * 5_250);
    // Cooling down: until the cooldown ends.
    const cooling = assign("cheapest-capable-waits", pool({ cheap: { cooldownUntil: now + 7_000 } }));
    assert.deepEqual(cooling.holds[0]?.waitingFor, { modelId: "a-cheap", expectedWaitMs: 7_000 });
  });

  it("counts what the call already gave a model", () => {
    const two = [task({ id: 1 }), task({ id: 2 })];
    const answer = assign("cheapest-capable-waits", pool({ cheap: { concurrency: 1 } }), two);
    assert.deepEqual(answer.picks, [{ taskId: 1, modelId: "a-cheap" }]);
    assert.deepEqual(answer.holds, [
      { taskId: 2, waitingFor: { modelId: "a-cheap", expectedWaitMs: 5_250 } },
    ]);
  });

  it("chooses among the models the static constraints allow, the most capable when none is capable enough", () => {
    // Too short a context window for a-cheap: the next capable one, b-dear, busy or not.
    const short = assign(
      "cheapest-capable-waits",
      pool({ cheap: { contextWindow: 1_000 }, dear: { inFlight: 4 } }),
    );
    assert.equal(short.holds[0]?.waitingFor.modelId, "b-dear");
    const hard = assign("cheapest-capable-waits", pool(), [task({ complexity: 10 })]);
    assert.deepEqual(hard.picks, [{ taskId: 1, modelId: "b-dear" }]);
  });

  it("strongest-capable-waits gives a task the most capable model (then the cheapest), and waits for it", () => {
    assert.deepEqual(assign("strongest-capable-waits", pool()).picks, [{ taskId: 1, modelId: "b-dear" }]);
    const busy = assign("strongest-capable-waits", pool({ dear: { inFlight: 4 } }));
    assert.deepEqual(busy, {
      picks: [],
      holds: [{ taskId: 1, waitingFor: { modelId: "b-dear", expectedWaitMs: 10_500 / 5 } }],
    });
    const tie = assign("strongest-capable-waits", pool({ cheap: { capabilities: { code: 9 } } }));
    assert.deepEqual(tie.picks, [{ taskId: 1, modelId: "a-cheap" }]);
  });
});

describe("held tasks in the simulator", () => {
  /** Holds the first task it sees as told, then gives every task to the first model. */
  function holdOnce(
    hold: { expectedWaitMs: number } | null,
    seen: { now: number; models: ModelState[] }[],
  ): Strategy {
    return {
      name: "hold-once",
      assign({ now, tasks, models }) {
        seen.push({ now, models });
        if (seen.length > 1)
          return { picks: tasks.map((t) => ({ taskId: t.id, modelId: models[0]!.id })), holds: [] };
        const holds =
          hold === null
            ? []
            : tasks.map((t) => ({
                taskId: t.id,
                waitingFor: { modelId: "sim-max", expectedWaitMs: hold.expectedWaitMs },
              }));
        return { picks: [], holds };
      },
      observe() {},
    };
  }

  it("brings a held task back when its model is expected to be free: 250 ms to 60 s, on a 250 ms grid", () => {
    const cases: [wait: number | null, backAtMs: number][] = [
      [3_100, 4_500],
      [10, 1_500],
      [600_000, 61_250],
      // Not held: handed back for a second, to the whole second.
      [null, 3_000],
    ];
    for (const [wait, backAtMs] of cases) {
      const seen: { now: number; models: ModelState[] }[] = [];
      const strategy = holdOnce(wait === null ? null : { expectedWaitMs: wait }, seen);
      const run = simulate(classic, short("steady"), "round-robin", 1, {
        tasks: [spec({ arrivalMs: 1_234 })],
        strategy,
      });
      assert.deepEqual(
        seen.map((s) => s.now - epoch),
        [1_234, backAtMs],
        `wait ${wait}`,
      );
      assert.equal(run.tasks.length, 1);
    }
  });

  it("brings a held task back as soon as an attempt on its model ends", () => {
    // Task 1 runs on sim-max; task 2 is held for it, expected free in a minute. It comes back
    // when task 1's attempt ends, not a minute later.
    const seen: { now: number; ids: number[] }[] = [];
    const strategy: Strategy = {
      name: "hold-for-max",
      assign({ now, tasks }) {
        seen.push({ now, ids: tasks.map((t) => t.id) });
        if (seen.length === 1)
          return {
            picks: [{ taskId: 1, modelId: "sim-max" }],
            holds: [{ taskId: 2, waitingFor: { modelId: "sim-max", expectedWaitMs: 60_000 } }],
          };
        return { picks: tasks.map((t) => ({ taskId: t.id, modelId: "sim-nano" })), holds: [] };
      },
      observe() {},
    };
    const run = simulate(classic, short("steady"), "round-robin", 1, {
      tasks: [spec({ id: 1 }), spec({ id: 2 })],
      strategy,
    });
    const first = run.tasks.find((t) => t.id === 1)!;
    const back = seen.find((call) => call.ids.includes(2) && call.now > epoch)!;
    assert.ok(back.now - epoch < 60_000, `back after ${back.now - epoch} ms`);
    // The first attempt's end is when it came back (its record's end, if it succeeded at once).
    if (first.outcome === "succeeded" && first.attempts === 1) assert.equal(back.now - epoch, first.endMs);
  });

  it("tells the strategy how many tasks outside its claim window wait for each model", () => {
    // 50 tasks at once, all held for sim-max; a second later 50 more urgent ones fill the claim
    // window: the 50 held, waiting to come back, are outside it.
    const held = Array.from({ length: 50 }, (_, i) => spec({ id: i + 1 }));
    const urgent = Array.from({ length: 50 }, (_, i) => spec({ id: 51 + i, urgency: 10, arrivalMs: 1_000 }));
    const seen: { now: number; models: ModelState[] }[] = [];
    simulate(classic, short("steady"), "round-robin", 1, {
      tasks: [...held, ...urgent],
      strategy: holdOnce({ expectedWaitMs: 5_000 }, seen),
    });
    const waiting = (call: number) => Object.fromEntries(seen[call]!.models.map((m) => [m.id, m.waiting]));
    assert.deepEqual(Object.values(waiting(0)), [0, 0, 0, 0, 0]);
    assert.equal(seen[1]!.now - epoch, 1_000);
    assert.deepEqual(waiting(1), {
      "sim-max": 50,
      "sim-mid": 0,
      "sim-nano": 0,
      "sim-small": 0,
      "sim-strong": 0,
    });
  });
});
