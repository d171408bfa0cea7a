import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import { fixSchema } from "../../src/doctor/fix-schema.ts";
import { isStewardError } from "../../src/errors.ts";
import { schemaAssessor } from "../../src/fsar/assess-schema.ts";
import type { Assessor } from "../../src/fsar/assessor.ts";
import { parseFsarMarkdown } from "../../src/fsar/fsar-markdown.ts";
import { planReport } from "../../src/fsar/fsar-plan.ts";
import { importReport } from "../../src/fsar/import-report.ts";
import { getReport, listFindings, listReports } from "../../src/fsar/report-store.ts";
import { writeReport } from "../../src/fsar/write-report.ts";
import { claimTasks } from "../../src/tasks/claim-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { gateState, overrideGate } from "../../src/tasks/execution-gate.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;
const operator = { name: "ada", via: "cli" as const };
const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), "utf8");

/** Drops execution_tasks.ai_model, as in the seed report, and lets a claim fail on it. */
async function dropAiModel(deps: Deps): Promise<void> {
  await deps.db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  await enqueueTasks(deps, [{ kind: "noop" }]).catch(() => {});
  for (let i = 0; i < 6; i++)
    await claimTasks(deps.db, { workerId: "w", limit: 10, kinds: ["noop"], leaseMs: 1_000 }).catch(() => {});
}

const missingKey = "schema.missing_object:execution_tasks.ai_model";

describe(`FSAR reports on ${backend}`, () => {
  it("a clean system: no finding above severity 2, nothing blocked, Markdown in the seed's layout", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    const { report, gate } = await writeReport(fsarDepsOf(deps));
    assert.match(report.id, /^fsar_[0-9a-f-]{36}$/);
    assert.ok(
      report.findings.every((f) => f.severity <= 2),
      JSON.stringify(report.findings, null, 1),
    );
    assert.equal(report.block_execution, false);
    assert.ok(report.severity <= 2);
    assert.equal(gate.state.open, true);
    const { markdown } = await getReport(db, report.id);
    assert.ok(markdown.startsWith("# FSAR Proposal Report\n- id: fsar_"));
    const parsed = parseFsarMarkdown(markdown);
    assert.equal(parsed.id, report.id);
    assert.equal(parsed.severity, report.severity);
    assert.deepEqual(parsed.risks, report.risks);
    assert.deepEqual(parsed.mitigations, report.mitigations);
  });

  it("ai_model dropped: a blocking finding with the doctor's SQL and the 42703 errors tied to it; the gate closes, and opens after the fix", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await dropAiModel(deps);
    const first = await writeReport(fsarDepsOf(deps));
    const missing = first.report.findings.find((f) => f.key === missingKey);
    assert.ok(missing, JSON.stringify(first.report.findings.map((f) => f.key)));
    assert.equal(missing.severity, 9);
    assert.equal(missing.blocking, true);
    assert.deepEqual(missing.kinds, []);
    assert.match(missing.summary, /errors SQLSTATE 42703/);
    assert.ok(Number(missing.evidence.numbers.explainedErrors) >= 6, "the failed claims are counted");
    assert.ok(
      missing.remedy?.some(
        (a) =>
          a.command === "steward doctor --fix" && /ADD COLUMN IF NOT EXISTS ai_model text/.test(a.sql ?? ""),
      ),
      JSON.stringify(missing.remedy),
    );
    assert.ok(
      !first.report.findings.some((f) => f.code === "schema.database_errors" && f.key.endsWith("42703")),
      "the errors the drift explains are not a second finding",
    );
    assert.equal(first.report.block_execution, true);
    assert.equal(first.report.severity, 9);
    assert.ok(first.gate.state.closedForAll, "the gate is closed for every kind");
    const markdown = (await getReport(db, first.report.id)).markdown;
    assert.match(markdown, /- block_execution: true/);
    assert.match(markdown, /ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;/);

    await fixSchema(deps);
    const second = await writeReport(fsarDepsOf(deps));
    assert.ok(!second.report.findings.some((f) => f.key === missingKey));
    const resolved = second.report.resolved.find((r) => r.key === missingKey);
    assert.ok(resolved, "the next report records the finding as resolved");
    assert.ok(resolved.openMs >= 0);
    assert.equal(second.report.block_execution, false);
    assert.equal(second.gate.state.open, true, "the gate opens when the blocking finding is gone");
    assert.deepEqual(second.gate.opened, ["*"]);
    const [state] = await listFindings(db, { status: "resolved" });
    assert.equal(state!.key, missingKey);
    assert.equal(state!.resolvedBy, "report");
  });

  it("an assessor that throws is a finding of its own, and the others still run", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await dropAiModel(deps);
    const broken: Assessor = {
      name: "broken",
      assess: async () => {
        throw new Error('relation "nowhere" does not exist');
      },
    };
    const { report } = await writeReport(fsarDepsOf(deps), { assessors: [broken, schemaAssessor] });
    const failed = report.findings.find((f) => f.code === "fsar.assessor_failed");
    assert.ok(failed);
    assert.equal(failed.key, "fsar.assessor_failed:broken");
    assert.equal(failed.severity, 6);
    assert.equal(failed.blocking, false);
    assert.match(failed.summary, /nowhere/);
    assert.deepEqual(report.failedAssessors, [
      { assessor: "broken", error: 'relation "nowhere" does not exist' },
    ]);
    assert.ok(
      report.findings.some((f) => f.key === missingKey),
      "the schema assessor still ran",
    );
  });

  it("the rubric's configuration decides severity and blocking per code", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: { fsar: { rubric: { "schema.missing_object": { severity: 7, blocking: false } } } },
    });
    await dropAiModel(deps);
    const { report, gate } = await writeReport(fsarDepsOf(deps));
    const missing = report.findings.find((f) => f.key === missingKey)!;
    assert.equal(missing.severity, 7);
    assert.equal(missing.blocking, false);
    assert.equal(report.block_execution, false);
    assert.equal(gate.state.open, true);
  });

  it("an operator's override lets a blocking finding through until it is gone", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await dropAiModel(deps);
    await writeReport(fsarDepsOf(deps));
    await overrideGate(db, { kinds: [], reason: "the column is unused by our handlers", actor: operator });
    const { report, gate } = await writeReport(fsarDepsOf(deps));
    const missing = report.findings.find((f) => f.key === missingKey)!;
    assert.equal(missing.blocking, true);
    assert.equal(missing.overridden, true);
    assert.equal(report.block_execution, false, "an overridden finding does not block");
    assert.equal(gate.state.open, true);
    await fixSchema(deps);
    await writeReport(fsarDepsOf(deps));
    assert.deepEqual((await gateState(db)).overrides, [], "the override ends with the finding");
  });

  it("a report from another system: the seed is stored as it is; block_execution: true closes the gate until that source stops blocking", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    const seed = await importReport(db, fixture("seed-report.md"), { source: "agent", actor: operator });
    assert.equal(seed.format, "markdown");
    assert.equal(seed.report.source, "import:agent");
    assert.equal(seed.report.severity, 6);
    assert.equal(seed.gate.state.open, true);
    const blocking = await importReport(db, fixture("blocking-report.md"), {
      source: "reviewer",
      actor: operator,
    });
    assert.equal(blocking.report.block_execution, true);
    assert.equal(blocking.gate.state.open, false, "its blocking findings close the gate");
    assert.deepEqual(
      blocking.gate.state.closures.map((c) => c.cause),
      ["fsar:import:reviewer"],
    );
    const later = fixture("blocking-report.md")
      .replace("fsar_7c9e6679-7425-40de-944b-e07fc1f90ae7", "fsar_7c9e6679-7425-40de-944b-e07fc1f90ae8")
      .replace("- block_execution: true", "- block_execution: false");
    const cleared = await importReport(db, later, { source: "reviewer", actor: operator });
    assert.equal(cleared.gate.state.open, true, "the same source's next report that does not block opens it");
    await assert.rejects(
      () => importReport(db, fixture("blocking-report.md"), { source: "reviewer", actor: operator }),
      (error) => isStewardError(error, "conflict"),
    );
    const before = (await listReports(db)).length;
    await assert.rejects(
      () =>
        importReport(db, "# FSAR Proposal Report\n- id: fsar_x\n", { source: "reviewer", actor: operator }),
      (error) => isStewardError(error, "validation_failed") && (error.details as { line: number }).line === 2,
    );
    assert.equal((await listReports(db)).length, before, "a refused report stores nothing");
  });

  it("plan: each action a self_improvement task with its findings' evidence; a fix whose finding stays is unverified", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, { config: oneSimWriter() });
    await dropAiModel(deps);
    const { report } = await writeReport(fsarDepsOf(deps));
    await fixSchema(deps);
    const plan = await planReport(deps, report.id, { enqueue: true, actor: operator });
    assert.ok(plan.enqueued >= 1);
    const first = plan.actions.find((a) => a.findings.some((f) => f.key === missingKey))!;
    assert.ok(first.taskId !== null);
    const task = (
      await db.query<{
        kind: string;
        stage: string;
        payload: { report: string; findings: { key: string; evidence: unknown }[] };
      }>("SELECT kind, stage, payload FROM execution_tasks WHERE id = $1", [first.taskId])
    ).rows[0]!;
    assert.equal(task.kind, "self_improvement");
    assert.equal(task.stage, "Self-Improvement");
    assert.equal(task.payload.report, report.id);
    assert.ok(task.payload.findings.some((f) => f.key === missingKey && f.evidence !== undefined));
    const again = await planReport(deps, report.id, { enqueue: true, actor: operator });
    assert.equal(again.enqueued, 0, "planning again makes no second task");
    assert.deepEqual(
      again.actions.map((a) => a.taskId),
      plan.actions.map((a) => a.taskId),
    );

    // The task "succeeded" two hours ago on model m1, yet the drift is back: an unverified fix.
    await db.query(
      "UPDATE execution_tasks SET status = 'succeeded', finished_at = now() - interval '2 hours' WHERE id = $1",
      [first.taskId],
    );
    await db.query(
      `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at)
       VALUES ($1, 1, 'w', 'm1', 'succeeded', now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours')`,
      [first.taskId],
    );
    await dropAiModel(deps);
    const later = await writeReport(fsarDepsOf(deps));
    const unverified = later.report.findings.find((f) => f.code === "fsar.unverified_fix");
    assert.ok(unverified, JSON.stringify(later.report.findings.map((f) => f.key)));
    assert.equal(unverified.key, `fsar.unverified_fix:${missingKey}`);
    assert.match(unverified.summary, /on m1/);
    assert.equal(later.report.loop.unverified, 1);
    assert.deepEqual(later.report.loop.byModel, [{ model: "m1", succeeded: 1, verified: 0, unverified: 1 }]);
  });
});
