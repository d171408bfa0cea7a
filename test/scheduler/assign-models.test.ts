import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignModels, defaultSchedulerWeights } from "../../src/scheduler/assign-models.ts";
import { recordOutcome } from "../../src/scheduler/learn.ts";
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

  it("reports every factor, and estimates, for every eligible model; the score is their sum", () => {
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

  it("explains a choice in one line that names the model and its score", () => {
    for (const assignment of assignModels(scene())) {
      assert.ok(!assignment.reason.includes("\n"));
      if (assignment.modelId !== null) {
        assert.match(assignment.reason, new RegExp(`^${assignment.modelId}: best score -?\\d+\\.\\d\\d — `));
      }
    }
  });
});

describe("assignModels: soft factors", () => {
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
    assert.match(only(assignments, 2).reason, /expected success vs/);
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
  });

  it("prefers the previous model's fallback list after a failure, and not the model that failed", () => {
    const twins = [model({ id: "sim-alpha" }), model({ id: "sim-mid" })];
    const previous = model({ id: "sim-strong", fallback: ["sim-mid"] });
    const assignment = only(
      assignModels(input([task({ attempt: 2, previousModel: "sim-strong" })], [...twins, previous])),
    );
    assert.equal(assignment.modelId, "sim-mid");
    const factor = (id: string) => assignment.scores.find((s) => s.modelId === id)!.factors.fallback!;
    assert.equal(factor("sim-mid"), defaultSchedulerWeights.fallback);
    assert.equal(factor("sim-alpha"), 0);
    assert.ok(factor("sim-strong") < 0);
  });

  it("tries a model that has never been used (exploration), then lets the bonus fade", () => {
    // Two identical models; one has a record that matches its prior exactly.
    const seasoned = model({
      id: "sim-a",
      stats: {
        implement_idea: { attempts: 40, successes: 32, meanDurationMs: 10_500, expectedSuccesses: 32 },
      },
    });
    const fresh = model({ id: "sim-b" });
    const first = only(assignModels(input([task()], [seasoned, fresh])));
    assert.equal(first.modelId, "sim-b");
    assert.match(first.reason, /exploring/);
    const bonus = (a: Assignment, id: string) => a.scores.find((s) => s.modelId === id)!.factors.exploration!;
    assert.ok(bonus(first, "sim-b") > bonus(first, "sim-a"));

    // After enough attempts of its own, the newcomer's bonus is no larger than the other's.
    let stats = fresh.stats.implement_idea;
    for (let i = 0; i < 40; i++) stats = recordOutcome(stats, { succeeded: i % 5 !== 0, durationMs: 10_500 });
    const later = only(
      assignModels(input([task()], [seasoned, { ...fresh, stats: { implement_idea: stats! } }])),
    );
    assert.ok(bonus(later, "sim-b") <= bonus(later, "sim-a") + 1e-12);
  });

  it("gets a new model tried within a few rounds of learning", () => {
    let models = [
      model({
        id: "sim-a",
        stats: { implement_idea: { attempts: 30, successes: 27, meanDurationMs: 10_500 } },
      }),
      model({ id: "sim-b" }),
    ];
    const chosen: (string | null)[] = [];
    for (let round = 0; round < 10; round++) {
      const id = only(assignModels(input([task()], models))).modelId;
      chosen.push(id);
      models = models.map((m) =>
        m.id === id
          ? {
              ...m,
              stats: {
                implement_idea: recordOutcome(m.stats.implement_idea, {
                  succeeded: true,
                  durationMs: 10_500,
                }),
              },
            }
          : m,
      );
    }
    assert.ok(chosen.includes("sim-b"), `sim-b never tried: ${chosen.join(", ")}`);
  });

  it("learns that a model does worse on a kind than its capabilities say", () => {
    const twins = [model({ id: "sim-a" }), model({ id: "sim-b" })];
    const before = only(assignModels(input([task()], twins)));
    assert.equal(before.modelId, "sim-a");
    const poor = { attempts: 20, successes: 4, meanDurationMs: 10_500, expectedSuccesses: 16 };
    const after = only(
      assignModels(input([task()], [{ ...twins[0]!, stats: { implement_idea: poor } }, twins[1]!])),
    );
    assert.equal(after.modelId, "sim-b");
    const learned = after.scores.find((s) => s.modelId === "sim-a")!.factors.learned_success!;
    assert.ok(learned < -0.2, `learned_success ${learned}`);
  });
});
