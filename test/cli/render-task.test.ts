import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, renderTaskTable } from "../../src/cli/render-task.ts";
import type { TaskView } from "../../src/tasks/task.ts";

const now = new Date("2026-11-26T12:00:00Z");

/** A task that failed for good after three attempts, started a minute ago. */
const deadTask: TaskView = {
  id: 12,
  kind: "implement_idea",
  stage: "Implement Ideas",
  status: "failed",
  ideaId: 1,
  urgency: 5,
  complexity: 8,
  capabilities: [],
  payload: {},
  result: null,
  error: {
    class: "SimulatedFailure",
    message: "simulated failure of implement_idea task 12, attempt 3 of 3",
  },
  aiModel: "simulated-large",
  attempts: 3,
  maxAttempts: 3,
  timeoutMs: null,
  runAt: "2026-11-26T11:59:00.000Z",
  deadline: null,
  createdAt: "2026-11-26T11:58:00.000Z",
  startedAt: "2026-11-26T11:59:00.000Z",
  finishedAt: "2026-11-26T11:59:01.500Z",
  inputTokens: 0,
  outputTokens: 0,
  costUsd: "0.00000000",
  idempotencyKey: null,
  lockedBy: null,
  lockedUntil: null,
  pendingDependencies: 0,
  onDependencyFailure: "fail",
  pinnedModel: null,
};

describe("rendering tasks", () => {
  it("reads durations at a glance", () => {
    assert.deepEqual(
      [850, 12_340, 312_000, 3 * 3_600_000 + 5 * 60_000, 52 * 3_600_000, -5].map(formatDuration),
      ["850ms", "12.3s", "5m12s", "3h05m", "2d04h", "0ms"],
    );
  });

  it("lists a task with its attempts, model, age, duration and an excerpt of its error", () => {
    const [header, , row] = renderTaskTable([deadTask], now).split("\n");
    assert.match(header!, /^ID\s+KIND\s+STAGE\s+STATUS\s+ATTEMPTS\s+MODEL\s+AGE\s+DURATION\s+ERROR$/);
    assert.match(
      row!,
      /^12\s+implement_idea\s+Implement Ideas\s+failed\s+3\/3\s+simulated-large\s+2m00s\s+1\.5s\s+SimulatedFailure: simulated failure of implemen…$/,
    );
  });
});
