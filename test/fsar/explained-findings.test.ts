import assert from "node:assert/strict";
import { test } from "node:test";
import { finding } from "../../src/fsar/assessor.ts";
import { explainConsequences } from "../../src/fsar/explained-findings.ts";

test("consequences of another finding say so and drop to a note; others stay as they are", () => {
  const drift = finding("schema.missing_object", {
    scope: "execution_tasks.ai_model",
    summary: "missing column execution_tasks.ai_model",
    evidence: { numbers: { table: "execution_tasks", object: "ai_model" }, source: "doctor" },
    remedy: [{ text: "repair", command: "steward doctor --fix" }],
  });
  const blind = finding("fsar.assessor_failed", {
    scope: "money",
    summary: "The money assessor failed.",
    evidence: { numbers: { error: 'column "ai_model" does not exist' }, source: "money" },
  });
  const other = finding("fsar.assessor_failed", {
    scope: "errors",
    summary: "The errors assessor failed.",
    evidence: { numbers: { error: "canceling statement due to statement timeout" }, source: "errors" },
  });
  const model = finding("scheduling.failing_model", {
    scope: "model:sim-flaky",
    severity: 7,
    summary: "Model sim-flaky failed 40 %.",
    evidence: { numbers: {}, source: "rollups" },
    remedy: [{ text: "disable it", command: "steward models" }],
  });
  const ofModel = finding("errors.failing_fingerprint", {
    scope: "abc",
    severity: 7,
    summary: "28 failed attempts ended with boom.",
    evidence: { numbers: { models: "sim-flaky" }, source: "task_attempts" },
  });
  const ofTwo = finding("errors.failing_fingerprint", {
    scope: "def",
    severity: 5,
    summary: "9 failed attempts ended with bang.",
    evidence: { numbers: { models: "sim-flaky,sim-fast" }, source: "task_attempts" },
  });
  const found = [drift, blind, other, model, ofModel, ofTwo];
  explainConsequences(found);
  assert.equal(found[1]!.severity, 2);
  assert.match(
    found[1]!.summary,
    /The cause is the drift above: schema\.missing_object:execution_tasks\.ai_model\./,
  );
  assert.equal(found[1]!.remedy![0]!.command, "steward doctor --fix");
  assert.equal(found[2]!.severity, 6, "a failure the drift does not explain stays");
  assert.equal(found[4]!.severity, 2);
  assert.match(found[4]!.summary, /failures of model sim-flaky: scheduling\.failing_model:model:sim-flaky/);
  assert.equal(found[5]!.severity, 5, "failures spread over two models stay");
  assert.equal(found[0]!.severity, 9);
});
