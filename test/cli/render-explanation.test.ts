import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderCurves } from "../../src/cli/render-curves.ts";
import { renderExplanation } from "../../src/cli/render-explanation.ts";
import type { Jsonified } from "../../src/cli/steward-client.ts";
import type { ModelStatus } from "../../src/models/model-status.ts";
import type { ScoreEstimates } from "../../src/scheduler/scheduler-types.ts";
import type { TaskDetail } from "../../src/tasks/query-tasks.ts";
import type { AssignmentView } from "../../src/tasks/task.ts";

const now = new Date("2026-12-04T12:00:00Z");

function estimates(overrides: Partial<ScoreEstimates> & Pick<ScoreEstimates, "curve">): ScoreEstimates {
  return {
    successProbability: 0.72,
    priorSuccess: 0.79,
    durationMs: 1_200,
    priorDurationMs: 1_000,
    costUsd: 0.024,
    tardinessS: 3.5,
    latenessUsd: 0.0042,
    ...overrides,
  };
}

function taskWith(assignment: AssignmentView | null): Jsonified<TaskDetail> {
  return {
    id: 7,
    kind: "implement_idea",
    stage: "Implement Ideas",
    status: "queued",
    ideaId: null,
    urgency: 6,
    complexity: 7,
    capabilities: ["code"],
    payload: {},
    result: null,
    error: null,
    aiModel: null,
    attempts: 0,
    maxAttempts: 3,
    timeoutMs: null,
    runAt: "2026-12-04T12:00:05.000Z",
    deadline: null,
    createdAt: "2026-12-04T11:59:00.000Z",
    startedAt: null,
    finishedAt: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: "0.00000000",
    idempotencyKey: null,
    lockedBy: null,
    lockedUntil: null,
    pendingDependencies: 0,
    onDependencyFailure: "fail",
    pinnedModel: null,
    assignment,
    attemptHistory: [],
    dependsOn: [],
    dependents: [],
  };
}

/** A task left to wait for the strong model, busy now, rather than given the weak one free now. */
const waiting: AssignmentView = {
  at: "2026-12-04T11:59:58.000Z",
  model: null,
  reason: "waits for sim-large: expected cost $0.031 after a 12 s wait, vs $0.058 on sim-small now",
  cause: "capacity",
  waitingFor: { model: "sim-large", expectedWaitMs: 12_400 },
  scores: [
    {
      modelId: "sim-small",
      score: -0.058,
      factors: { price: -0.0538, lateness: -0.0042 },
      excluded: null,
      estimates: estimates({
        successProbability: 0.31,
        curve: { capability: "code", offset: 1.9, slope: 2.1, kindLogOdds: -0.4 },
      }),
    },
    {
      modelId: "sim-medium",
      score: -0.00013,
      factors: { price: -0.00013, lateness: 0 },
      excluded: null,
      estimates: estimates({
        successProbability: 0.9,
        curve: { capability: "*", offset: 1.35, slope: 0.9, kindLogOdds: 0.01 },
      }),
    },
    { modelId: "sim-large", score: null, factors: {}, excluded: "at its concurrency limit (2 of 2)" },
  ],
};

describe("task explain", () => {
  it("shows each model's expected cost, its parts, its success and the curve behind it", () => {
    const text = renderExplanation(taskWith(waiting), now);
    assert.match(text, /^Latest assignment, 2\.0s ago \(.*\): no model — the task waited$/m);
    assert.match(text, /^ {2}Waiting for sim-large, expected free in ≈12 s \(as estimated then\)\.$/m);
    assert.match(text, /^model\s+expected cost\s+price\s+lateness\s+success\s+curve\s+excluded then/m);
    assert.match(
      text,
      /^sim-small\s+\$0\.058\s+\$0\.054\s+\$0\.0042\s+31%\s+code σ\(1\.9 \+ 2\.1·gap\), kind −0\.4$/m,
    );
    // A correction that rounds to nothing is left out; "*" is the curve of tasks requiring none.
    assert.match(text, /^sim-medium\s+\$0\.00013\s+\$0\.00013\s+\$0\s+90%\s+\* σ\(1\.4 \+ 0\.9·gap\)$/m);
    assert.match(text, /^sim-large\s+—\s+at its concurrency limit \(2 of 2\)$/m);
  });

  it("shows an assignment from before the prices with its own factors", () => {
    const text = renderExplanation(
      taskWith({
        at: "2026-12-04T11:59:00.000Z",
        model: "sim-fast",
        reason: "sim-fast: best score",
        scores: [
          { modelId: "sim-fast", score: 1.35, factors: { capability: 1.2, cost: -0.1 }, excluded: null },
        ],
      }),
      now,
    );
    assert.match(text, /^model\s+score\s+capability\s+cost\s+excluded then/m);
    assert.match(text, /^sim-fast ←\s+1\.350\s+1\.200\s+-0\.100$/m);
    assert.doesNotMatch(text, /Waiting for/);
  });
});

function model(id: string, extra: Partial<Jsonified<ModelStatus>>): Jsonified<ModelStatus> {
  return {
    id,
    capabilities: {},
    successCurves: [],
    kindCorrections: [],
    ...extra,
  } as Jsonified<ModelStatus>;
}

describe("models curves", () => {
  it("tables each curve against the prior, and the kinds that differ", () => {
    const prior = { offset: 1.35, slope: 0.9 };
    const text = renderCurves([
      model("sim-large", {
        capabilities: { code: 9, writing: 8 },
        successCurves: [
          {
            capability: "code",
            level: 9,
            prior,
            learned: { offset: 0.944, slope: 1.9 },
            attempts: 140,
            successes: 101,
            points: [],
          },
          {
            capability: "*",
            level: 8.5,
            prior,
            learned: { offset: 2, slope: 0.8 },
            attempts: 3,
            successes: 3,
            points: [],
          },
        ],
        kindCorrections: [{ kind: "implement_idea", logOdds: -0.4, attempts: 60 }],
      }),
      model("sim-new", { capabilities: { code: 3, reasoning: 0 } }),
    ]);
    const lines = text.split("\n");
    assert.match(
      lines[0]!,
      /^model\s+capability\s+level\s+at level\s+prior\s+slope\s+prior slope\s+attempts\s+succeeded$/,
    );
    assert.match(text, /^sim-large\s+code\s+9\s+72%\s+79%\s+1\.90\s+0\.90\s+140\s+101$/m);
    assert.match(text, /^sim-large\s+\*\s+8\.5\s+88%\s+79%\s+0\.80\s+0\.90\s+3\s+3$/m);
    // Nothing learned: the prior at each declared level (a level 0 is no capability).
    assert.match(text, /^sim-new\s+code\s+3\s+—\s+79%\s+—\s+0\.90\s+0\s+0$/m);
    assert.doesNotMatch(text, /reasoning/);
    assert.match(text, /^sim-new: nothing learned yet; the prior from the declared levels\.$/m);
    assert.match(text, /^Capability \*: tasks that require none/m);
    assert.match(text, /^model\s+kind\s+log-odds\s+attempts$/m);
    assert.match(text, /^sim-large\s+implement_idea\s+−0\.40\s+60$/m);
  });

  it("says when no kind is corrected", () => {
    const text = renderCurves([model("sim-new", { capabilities: { code: 3 } })]);
    assert.match(text, /Kind corrections.*\n {2}none yet/);
  });
});
