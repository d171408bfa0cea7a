import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import { getModelsStatus } from "../../src/models/model-status.ts";
import { curveSuccess, fitCurve, priorCurve } from "../../src/scheduler/success-curve.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * What GET /api/models says the scheduler learned of a model's success, from the counts the
 * completion statement keeps in model_success_counts: one curve per capability fitted to every
 * kind's outcomes together, its points summed over the kinds, and a correction for each kind that
 * does better or worse than the curves it shares with another kind.
 */

const price = { inputPerMTok: 1, outputPerMTok: 2 };
const config: ConfigInput = {
  providers: [{ id: "sim", type: "sim" }],
  models: [
    { id: "coder", provider: "sim", model: "coder", price, capabilities: { code: 7, writing: 4 } },
    { id: "idle", provider: "sim", model: "idle", price, capabilities: { writing: 5 } },
  ],
};

/** [capability, kind, gap, attempts, successes] for coder. */
const counts: [string, string, number, number, number][] = [
  // Two kinds share code: implement_idea fails far more often than review at the same gaps.
  ["code", "implement_idea", 0, 20, 6],
  ["code", "implement_idea", 2, 30, 12],
  ["code", "review", 0, 20, 17],
  ["code", "review", 2, 20, 19],
  // summarize alone under writing: its curve is fitted to it, nothing to correct it against.
  ["writing", "summarize", 1, 10, 9],
  // A task that required no capability: judged on the mean declared level, (7 + 4) / 2.
  ["*", "noop", 1, 4, 4],
];

describe(`the models' learned success curves on ${backend}`, () => {
  it("come from model_success_counts: points summed over kinds, curves moved by them, kinds corrected", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, { config });
    for (const [capability, kind, gap, attempts, successes] of counts)
      await db.query(
        `INSERT INTO model_success_counts (model_id, capability, kind, gap, attempts, successes)
         VALUES ('coder', $1, $2, $3, $4, $5)`,
        [capability, kind, gap, attempts, successes],
      );

    const status = await getModelsStatus(db, deps.models);
    const coder = status.models.find((m) => m.id === "coder")!;
    assert.deepEqual(
      coder.successCurves.map((c) => [c.capability, c.level, c.attempts, c.successes]),
      [
        ["*", 5.5, 4, 4],
        ["code", 7, 90, 54],
        ["writing", 4, 10, 9],
      ],
    );
    const code = coder.successCurves.find((c) => c.capability === "code")!;
    assert.deepEqual(code.points, [
      { gap: 0, attempts: 40, successes: 23 },
      { gap: 2, attempts: 50, successes: 31 },
    ]);
    assert.deepEqual(code.prior, { ...priorCurve });
    // 58% at its level where the prior said 79%: the curve came down, and is the fit of the sums.
    assert.ok(code.learned.offset < priorCurve.offset - 0.5, `offset ${code.learned.offset}`);
    assert.ok(curveSuccess(code.learned, 0) < 0.65, `at its level ${curveSuccess(code.learned, 0)}`);
    const fitted = fitCurve(code.points);
    assert.ok(Math.abs(fitted.offset - code.learned.offset) < 1e-9);
    assert.ok(Math.abs(fitted.slope - code.learned.slope) < 1e-9);
    const writing = coder.successCurves.find((c) => c.capability === "writing")!;
    assert.deepEqual(writing.points, [{ gap: 1, attempts: 10, successes: 9 }]);

    // implement_idea does worse than the code curve says, review better; summarize and noop are
    // their capabilities' only kinds, and get no correction.
    assert.deepEqual(
      coder.kindCorrections.map((k) => [k.kind, k.attempts]),
      [
        ["implement_idea", 50],
        ["review", 40],
      ],
    );
    const [implement, review] = coder.kindCorrections;
    assert.ok(implement!.logOdds < -0.5, `implement_idea ${implement!.logOdds}`);
    assert.ok(review!.logOdds > 0.5, `review ${review!.logOdds}`);

    // A model with no outcomes: nothing learned, nothing corrected.
    const idle = status.models.find((m) => m.id === "idle")!;
    assert.deepEqual(idle.successCurves, []);
    assert.deepEqual(idle.kindCorrections, []);
  });
});
