import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignModels } from "../../src/scheduler/assign-models.ts";
import type { Assignment, ModelState } from "../../src/scheduler/scheduler-types.ts";
import { factorNames } from "../../src/scheduler/score-model.ts";
import { input, model, now, task, tiers } from "./scheduler-fixtures.ts";

function only(assignments: Assignment[], taskId = 1): Assignment {
  const found = assignments.find((a) => a.taskId === taskId);
  assert.ok(found, `no assignment for task ${taskId}`);
  return found;
}

function excludedReason(assignment: Assignment, modelId: string): string | null {
  return assignment.scores.find((s) => s.modelId === modelId)?.excluded ?? null;
}

describe("assignModels: hard constraints", () => {
  // Each case: a model that breaks one rule beside one that is fine; the task must go to the fine
  // one and the other must say why it was left out.
  const cases: { rule: string; bad: ModelState; over?: Parameters<typeof task>[0]; reason: RegExp }[] = [
    { rule: "disabled", bad: model({ id: "sim-bad", enabled: false }), reason: /^disabled$/ },
    {
      rule: "pinned to another model",
      bad: model({ id: "sim-bad" }),
      over: { pinnedModel: "sim-good" },
      reason: /^task is pinned to sim-good$/,
    },
    {
      rule: "a required capability below level 1",
      bad: model({ id: "sim-bad", capabilities: { writing: 9 } }),
      reason: /^lacks capability 'code' \(level 0\)$/,
    },
    {
      rule: "complexity above its maximum",
      bad: model({ id: "sim-bad", maxComplexity: 4 }),
      over: { complexity: 7 },
      reason: /^complexity 7 is above its maximum 4$/,
    },
    {
      rule: "tokens beyond its context window",
      bad: model({ id: "sim-bad", contextWindow: 4_096 }),
      reason: /^needs ≈5,000 tokens, context window 4,096$/,
    },
    {
      rule: "cooling down",
      bad: model({ id: "sim-bad", cooldownUntil: now + 3_000 }),
      reason: /^cooling down for 3\.0 s more$/,
    },
    {
      rule: "budget spent",
      bad: model({ id: "sim-bad", budgetExhausted: "model sim-bad: daily budget spent ($5.00 of $5.00)" }),
      reason: /^model sim-bad: daily budget spent/,
    },
    {
      rule: "at its concurrency limit",
      bad: model({ id: "sim-bad", concurrency: 2, inFlight: 2 }),
      reason: /^at its concurrency limit \(2 of 2 in flight\)$/,
    },
    {
      rule: "requests per minute",
      bad: model({ id: "sim-bad", requestsPerMinute: 30, requestsLastMinute: 30 }),
      reason: /^would exceed 30 requests per minute \(30 in the last minute\)$/,
    },
    {
      rule: "tokens per minute",
      bad: model({ id: "sim-bad", tokensPerMinute: 50_000, tokensLastMinute: 46_000 }),
      reason: /^would exceed 50,000 tokens per minute \(46,000 in the last minute\)$/,
    },
  ];
  for (const { rule, bad, over, reason } of cases) {
    it(`excludes a model for: ${rule}`, () => {
      const good = model({ id: "sim-good" });
      const assignment = only(assignModels(input([task(over)], [bad, good])));
      assert.equal(assignment.modelId, "sim-good");
      assert.match(excludedReason(assignment, "sim-bad") ?? "", reason);
      const badScore = assignment.scores.find((s) => s.modelId === "sim-bad")!;
      assert.equal(badScore.score, null);
    });
  }

  it("gives no model at all to a task whose idea's budget is spent, and names the idea", () => {
    const assignment = only(
      assignModels(
        input([task({ idea: "demo-x" })], [model({ id: "sim-good" })], {
          exhaustedIdeas: { "demo-x": "daily budget spent" },
        }),
      ),
    );
    assert.equal(assignment.modelId, null);
    assert.equal(assignment.reason, "idea demo-x: daily budget spent");
    assert.equal(excludedReason(assignment, "sim-good"), "idea demo-x: daily budget spent");
  });

  it("does not repeat the idea when the reason already names it (as production writes it)", () => {
    const reason = "idea demo-x: monthly budget spent ($10.00 of $10.00)";
    const assignment = only(
      assignModels(
        input([task({ idea: "demo-x" })], [model({ id: "sim-good" })], {
          exhaustedIdeas: { "demo-x": reason },
        }),
      ),
    );
    assert.equal(assignment.reason, reason);
  });

  it("says which capability no enabled model has", () => {
    const assignment = only(
      assignModels(input([task({ capabilities: ["vision"] })], Object.values(tiers()))),
    );
    assert.equal(assignment.modelId, null);
    assert.equal(assignment.reason, "no enabled model has capability 'vision' at level ≥ 1");
  });

  it("says so when every model is at its concurrency limit", () => {
    const { fast, mid } = tiers();
    const models = [
      { ...fast, inFlight: fast.concurrency },
      { ...mid, inFlight: mid.concurrency },
    ];
    const assignment = only(assignModels(input([task({ complexity: 3 })], models)));
    assert.equal(assignment.modelId, null);
    assert.match(assignment.reason, /^every model is at its concurrency limit/);
  });

  it("says which models can take the task when only they are busy", () => {
    const { fast, strong } = tiers();
    const assignment = only(
      assignModels(input([task({ complexity: 9 })], [fast, { ...strong, inFlight: strong.concurrency }])),
    );
    assert.equal(assignment.modelId, null);
    assert.match(assignment.reason, /^every model that can take it is at its concurrency limit/);
  });
});

describe("assignModels: capacity within one call", () => {
  it("counts the slots it has already handed out", () => {
    const tasks = [1, 2, 3].map((id) => task({ id }));
    const assignments = assignModels(input(tasks, [model({ id: "sim-only", concurrency: 3, inFlight: 1 })]));
    assert.equal(assignments.filter((a) => a.modelId === "sim-only").length, 2);
    const left = assignments.find((a) => a.modelId === null)!;
    assert.match(left.reason, /^every model is at its concurrency limit/);
    assert.match(excludedReason(left, "sim-only") ?? "", /3 of 3 in flight/);
  });

  it("counts the requests and the tokens it has already handed out against the per-minute limits", () => {
    const tasks = [1, 2, 3].map((id) => task({ id }));
    const byRequests = assignModels(
      input(tasks, [model({ id: "sim-only", requestsPerMinute: 10, requestsLastMinute: 8 })]),
    );
    assert.equal(byRequests.filter((a) => a.modelId !== null).length, 2);
    // Each task is estimated at 5,000 tokens: two fit in a 25,000 budget with 12,000 used, not three.
    const byTokens = assignModels(
      input(tasks, [model({ id: "sim-only", tokensPerMinute: 25_000, tokensLastMinute: 12_000 })]),
    );
    assert.equal(byTokens.filter((a) => a.modelId !== null).length, 2);
    assert.match(
      excludedReason(byTokens.find((a) => a.modelId === null)!, "sim-only") ?? "",
      /tokens per minute/,
    );
  });

  it("serves the most pressing task first when there is room for one", () => {
    const relaxed = task({ id: 1, urgency: 1, deadline: now + 3_600_000 });
    const pressing = task({ id: 2, urgency: 9, deadline: now + 60_000 });
    const assignments = assignModels(input([relaxed, pressing], [model({ id: "sim-only", concurrency: 1 })]));
    assert.equal(assignments[0]!.taskId, 2, "considered first");
    assert.equal(only(assignments, 2).modelId, "sim-only");
    assert.equal(only(assignments, 1).modelId, null);
  });
});

describe("assignModels: determinism and explanations", () => {
  const scene = () => {
    const { fast, mid, strong } = tiers();
    const tasks = [
      task({ id: 1, complexity: 3, urgency: 8, deadline: now + 40_000 }),
      task({ id: 2, complexity: 8 }),
      task({
        id: 3,
        kind: "self_improvement",
        capabilities: ["code", "reasoning"],
        complexity: 7,
        deadline: null,
      }),
      task({ id: 4, complexity: 5, attempt: 2, previousModel: "sim-fast" }),
    ];
    return input(tasks, [fast, mid, { ...strong, inFlight: 1 }]);
  };

  it("answers the same input with the same output, whatever the order of tasks and models", () => {
    const a = assignModels(scene());
    assert.deepEqual(assignModels(scene()), a);
    const shuffled = scene();
    shuffled.tasks.reverse();
    shuffled.models.reverse();
    const b = assignModels(shuffled);
    const summary = (list: Assignment[]) =>
      list.map((x) => [x.taskId, x.modelId, x.reason]).sort((p, q) => Number(p[0]) - Number(q[0]));
    assert.deepEqual(summary(b), summary(a));
  });

  it("breaks ties by model id", () => {
    const twins = [model({ id: "sim-b" }), model({ id: "sim-a" })];
    assert.equal(only(assignModels(input([task()], twins))).modelId, "sim-a");
  });

  it("reports every part of the cost, and estimates, for every eligible model; the score is minus their sum", () => {
    for (const assignment of assignModels(scene())) {
      for (const score of assignment.scores) {
        if (score.excluded !== null) {
          assert.equal(score.score, null);
          continue;
        }
        assert.deepEqual(Object.keys(score.factors).sort(), [...factorNames].sort(), score.modelId);
        const sum = Object.values(score.factors).reduce((x, y) => x + y, 0);
        for (const value of Object.values(score.factors)) assert.ok(Number.isFinite(value));
        assert.ok(Math.abs(sum - score.score!) < 1e-9);
        assert.ok(score.estimates !== undefined && score.estimates.successProbability > 0);
      }
      // Best first: eligible scores descend.
      const scores = assignment.scores.filter((s) => s.score !== null).map((s) => s.score!);
      assert.deepEqual(
        scores,
        [...scores].sort((x, y) => y - x),
      );
    }
  });

  it("explains a choice in one line that names the model and its expected cost", () => {
    for (const assignment of assignModels(scene())) {
      assert.ok(!assignment.reason.includes("\n"));
      if (assignment.modelId !== null) {
        assert.match(assignment.reason, new RegExp(`^${assignment.modelId}: expected cost \\$[0-9.]+ — `));
      }
    }
  });
});

describe("assignModels: the expected cost", () => {
  it("gives a hard task to the strong model and an easy one to the cheap one", () => {
    const { fast, strong } = tiers();
    const assignments = assignModels(
      input(
        [task({ id: 1, complexity: 2 }), task({ id: 2, complexity: 6, deadline: now + 900_000 })],
        [fast, strong],
      ),
    );
    assert.equal(only(assignments, 1).modelId, "sim-fast");
    assert.equal(only(assignments, 2).modelId, "sim-strong");
    assert.match(only(assignments, 2).reason, /expected weighted lateness .* success\)/);
  });

  it("trades money for lateness at the price of lateness, a task's own price first", () => {
    // A mid-hard task with a tight deadline: the cheap model is likely to fail it (and be late).
    const { fast, strong } = tiers();
    const urgent = task({ complexity: 5, deadline: now + 40_000 });
    const choose = (price: number, over: Parameters<typeof task>[0] = {}) =>
      only(assignModels(input([{ ...urgent, ...over }], [fast, strong]), { priceOfLateness: price })).modelId;
    assert.equal(choose(0), "sim-fast", "lateness free: the cheapest");
    assert.equal(choose(1), "sim-strong", "lateness dear: the likeliest to be on time");
    assert.equal(choose(0, { priceOfLateness: 1 }), "sim-strong", "the task's own price wins");
    const scored = only(assignModels(input([urgent], [fast, strong]), { priceOfLateness: 1 }));
    const fastScore = scored.scores.find((s) => s.modelId === "sim-fast")!;
    assert.ok(
      fastScore.factors.lateness! < fastScore.factors.price!,
      "lateness dominates the cheap model's cost",
    );
    assert.ok(Math.abs(fastScore.estimates!.latenessUsd + fastScore.factors.lateness!) < 1e-12);
  });

  it("leaves a hard task waiting for a busy strong model rather than give it to one that would fail", () => {
    const { mid, strong } = tiers();
    const weak = { ...mid, capabilities: { code: 2 } };
    const assignment = only(
      assignModels(
        input([task({ complexity: 9, deadline: now + 900_000 })], [weak, { ...strong, inFlight: 3 }]),
      ),
    );
    assert.equal(assignment.modelId, null);
    assert.match(assignment.reason, /^waiting ≈.* for sim-strong \(at its concurrency limit/);
    // Three running, none queued: the first of them ends after ≈ D ÷ 4.
    const d = 1_500 + 20 * 1_000;
    assert.equal(assignment.waitingFor?.modelId, "sim-strong");
    assert.ok(
      Math.abs(assignment.waitingFor!.expectedWaitMs - d / 4) < 1e-6,
      `${assignment.waitingFor!.expectedWaitMs}`,
    );
  });

  it("counts the tasks waiting for a model elsewhere in the queue, and stops waiting when the queue is long", () => {
    const { mid, strong } = tiers();
    const weak = { ...mid, id: "sim-weak", capabilities: { code: 4 } };
    const hard = task({ complexity: 7, deadline: now + 120_000 });
    const decide = (waiting: number) =>
      only(assignModels(input([hard], [weak, { ...strong, inFlight: 3, waiting }])));
    const short = decide(0);
    assert.equal(short.modelId, null, short.reason);
    const longer = decide(2);
    assert.ok(longer.waitingFor!.expectedWaitMs > short.waitingFor!.expectedWaitMs);
    // Each task ahead adds D ÷ 3 on a model of three slots.
    const perTask = (longer.waitingFor!.expectedWaitMs - short.waitingFor!.expectedWaitMs) / 2;
    const d = 1_500 + 20 * hard.estimatedOutputTokens;
    assert.ok(Math.abs(perTask - d / 3) < 1e-6, `${perTask} vs ${d / 3}`);
    // Forty ahead: the wait alone would make it late; the weak model now is the cheaper risk.
    assert.equal(decide(40).modelId, "sim-weak");
  });

  it("breaks a tie with the previous model's fallback list after a failure", () => {
    const twins = [model({ id: "sim-alpha" }), model({ id: "sim-mid" })];
    const previous = model({ id: "sim-strong", fallback: ["sim-mid"] });
    const assignment = only(
      assignModels(input([task({ attempt: 2, previousModel: "sim-strong" })], [...twins, previous])),
    );
    assert.equal(assignment.modelId, "sim-mid");
    assert.match(assignment.reason, /next in line after sim-strong failed/);
  });

  it("learns that a model does worse at a capability than it declares, and says so in its estimates", () => {
    const twins = [model({ id: "sim-a" }), model({ id: "sim-b" })];
    const before = only(assignModels(input([task()], twins)));
    assert.equal(before.modelId, "sim-a");
    // sim-a declares code 6; tasks of complexity 5–7 (gaps 1, 0, −1) mostly failed on it.
    const poor = [1, 0, -1].map((gap) => ({
      capability: "code",
      kind: "implement_idea",
      gap,
      attempts: 20,
      successes: 3,
    }));
    const after = only(assignModels(input([task()], [{ ...twins[0]!, successCounts: poor }, twins[1]!])));
    assert.equal(after.modelId, "sim-b");
    const learned = after.scores.find((s) => s.modelId === "sim-a")!.estimates!;
    assert.ok(learned.successProbability < 0.3, `success ${learned.successProbability}`);
    assert.equal(learned.curve.capability, "code");
    assert.ok(learned.curve.offset < 0, `offset ${learned.curve.offset}`);
    assert.ok(learned.priorSuccess > 0.8, `prior ${learned.priorSuccess}`);
  });
});
