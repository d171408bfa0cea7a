import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeReport } from "../../src/cli/commands/doctor-command.ts";
import { doctorExitCode } from "../../src/cli/exit-codes.ts";
import type { Queryable } from "../../src/db/database.ts";
import { applyRepairs, runDoctor } from "../../src/doctor/run-doctor.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const kinds = (report: Awaited<ReturnType<typeof runDoctor>>) =>
  report.differences.map((d) => `${d.kind} ${d.table}${d.object ? `.${d.object}` : ""}`).sort();

const columnsOf = async (db: Queryable, table: string) =>
  (
    await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
      [table],
    )
  ).rows.map((r) => r.column_name);

describe(`schema doctor and renamed columns on ${backend}`, () => {
  it("takes a missing and an extra column of one type for a rename, leaves it to a person, and is clean once it is undone", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await db.exec(`
      INSERT INTO execution_tasks (kind, stage, ai_model) VALUES ('noop', 'Implement Ideas', 'sim-small');
      ALTER TABLE execution_tasks RENAME COLUMN ai_model TO model_name;
    `);

    const report = await runDoctor(deps);
    assert.deepEqual(kinds(report), ["renamed_column execution_tasks.ai_model"]);
    const [rename] = report.differences;
    assert.equal(rename?.actual, "model_name");
    assert.equal(rename?.repair, undefined, "a rename is never automatic");
    assert.equal(rename?.manualRepair, "ALTER TABLE execution_tasks RENAME COLUMN model_name TO ai_model;");
    assert.match(rename?.explanation ?? "", /model_name \(text\).*looks like ai_model renamed/);
    assert.deepEqual(report.repairable, []);
    assert.equal(doctorExitCode(report), 1);
    const text = describeReport(JSON.parse(JSON.stringify(report)));
    assert.match(text, /renamed column\s+execution_tasks\s+ai_model\s+text\s+model_name\s+by hand/);
    assert.match(
      text,
      /Likely renames[^\n]*\n\nALTER TABLE execution_tasks RENAME COLUMN model_name TO ai_model;/,
    );
    assert.doesNotMatch(text, /Repair \(idempotent/, "no automatic repair adds the column beside it");

    // What `steward doctor --fix` does: it applies the automatic repairs only.
    const fix = await applyRepairs(db, report);
    assert.deepEqual(fix.applied, []);
    const columns = await columnsOf(db, "execution_tasks");
    assert.ok(columns.includes("model_name") && !columns.includes("ai_model"), columns.join());

    // The person runs the rename; the values stay where they were, and nothing differs any more.
    await db.exec(rename!.manualRepair!);
    const after = await runDoctor(deps);
    assert.equal(after.status, "clean");
    assert.deepEqual(after.differences, []);
    const { rows } = await db.query<{ ai_model: string }>("SELECT ai_model FROM execution_tasks");
    assert.deepEqual(rows, [{ ai_model: "sim-small" }]);
  });

  it("offers every candidate when several extra columns could be the missing one, and adds none", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await db.exec(`
      ALTER TABLE execution_tasks RENAME COLUMN ai_model TO model_a;
      ALTER TABLE execution_tasks ADD COLUMN model_b text;
    `);

    const report = await runDoctor(deps);
    assert.deepEqual(kinds(report), [
      "extra_column execution_tasks.model_a",
      "extra_column execution_tasks.model_b",
      "missing_column execution_tasks.ai_model",
    ]);
    const missing = report.differences.find((d) => d.kind === "missing_column");
    assert.equal(missing?.repair, undefined, "it may be a rename: not added automatically");
    assert.match(
      missing?.explanation ?? "",
      /RENAME COLUMN model_a TO ai_model;.*RENAME COLUMN model_b TO ai_model;/,
    );
    assert.deepEqual(report.repairable, []);
  });

  it("still adds a missing column when no extra column of its type is beside it", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await db.exec(`
      ALTER TABLE execution_tasks DROP COLUMN ai_model;
      ALTER TABLE execution_tasks ADD COLUMN model_rank integer;
    `);

    const report = await runDoctor(deps);
    assert.deepEqual(kinds(report), [
      "extra_column execution_tasks.model_rank",
      "missing_column execution_tasks.ai_model",
    ]);
    assert.deepEqual(
      report.repairable.map((d) => d.repair),
      ["ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;"],
    );
  });
});
