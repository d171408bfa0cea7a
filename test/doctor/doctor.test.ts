import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { doctorExitCode } from "../../src/cli/exit-codes.ts";
import { applyRepairs, repairScript, runDoctor } from "../../src/doctor/run-doctor.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const kinds = (report: Awaited<ReturnType<typeof runDoctor>>) =>
  report.differences.map((d) => `${d.kind} ${d.table}${d.object ? `.${d.object}` : ""}`).sort();

describe(`schema doctor on ${backend}`, () => {
  it("finds no drift in a freshly migrated database (PGlite shadow vs this database)", async (t) => {
    const { db } = await createTestDatabase(t);
    const report = await runDoctor(await testDeps(db));
    assert.equal(report.status, "clean");
    assert.deepEqual(report.differences, []);
    assert.equal(doctorExitCode(report), 0);
  });

  it("reports pending migrations apart from drift", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, { migrate: false });
    await migrateUp(db, deps.migrations, { to: 1 });
    const report = await runDoctor(deps);
    assert.equal(report.status, "pending");
    assert.deepEqual(report.differences, [], "a pending migration is not drift");
    assert.equal(report.migrations.pending, deps.migrations.length - 1);
    assert.equal(doctorExitCode(report), 2);
  });

  it("names every kind of difference, repairs the additive ones and explains the rest", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await db.exec(`
      DROP TABLE task_dependencies;
      ALTER TABLE execution_tasks DROP COLUMN ai_model;
      ALTER TABLE execution_tasks ALTER COLUMN stage DROP NOT NULL;
      ALTER TABLE execution_tasks ALTER COLUMN urgency SET DEFAULT 7;
      ALTER TABLE execution_tasks ALTER COLUMN locked_by TYPE varchar(64);
      ALTER TABLE ideas ALTER COLUMN income_stream SET NOT NULL;
      ALTER TABLE ideas ADD COLUMN legacy_note text;
      ALTER TABLE ideas DROP CONSTRAINT ideas_status_check;
      ALTER TABLE ideas ADD CONSTRAINT ideas_title_check CHECK (title <> '');
      DROP INDEX execution_tasks_ready_idx;
      CREATE INDEX ideas_title_idx ON ideas (title);
      CREATE TABLE scratch (id int);
    `);
    const report = await runDoctor(deps);
    assert.equal(report.status, "drift");
    assert.deepEqual(kinds(report), [
      "column_default execution_tasks.urgency",
      "column_nullability execution_tasks.stage",
      "column_nullability ideas.income_stream",
      "column_type execution_tasks.locked_by",
      "extra_column ideas.legacy_note",
      "extra_constraint ideas.ideas_title_check",
      "extra_index ideas.ideas_title_idx",
      "extra_table scratch",
      "missing_column execution_tasks.ai_model",
      "missing_constraint ideas.ideas_status_check",
      "missing_constraint task_dependencies.task_dependencies_depends_on_fkey",
      "missing_constraint task_dependencies.task_dependencies_not_self",
      "missing_constraint task_dependencies.task_dependencies_pkey",
      "missing_constraint task_dependencies.task_dependencies_task_id_fkey",
      "missing_index execution_tasks.execution_tasks_ready_idx",
      "missing_index task_dependencies.task_dependencies_depends_on_idx",
      "missing_table task_dependencies",
    ]);
    const byKey = new Map(report.differences.map((d) => [`${d.kind} ${d.table}.${d.object}`, d]));
    assert.equal(
      byKey.get("missing_column execution_tasks.ai_model")?.repair,
      "ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;",
    );
    assert.equal(
      byKey.get("column_default execution_tasks.urgency")?.repair,
      "ALTER TABLE execution_tasks ALTER COLUMN urgency SET DEFAULT 5;",
    );
    assert.equal(
      byKey.get("column_nullability ideas.income_stream")?.repair,
      "ALTER TABLE ideas ALTER COLUMN income_stream DROP NOT NULL;",
    );
    assert.match(
      byKey.get("column_type execution_tasks.locked_by")?.explanation ?? "",
      /ALTER COLUMN locked_by TYPE text/,
    );
    assert.equal(
      byKey.get("column_type execution_tasks.locked_by")?.repair,
      undefined,
      "a type change is left to a person",
    );
    assert.equal(
      byKey.get("column_nullability execution_tasks.stage")?.repair,
      undefined,
      "tightening is left to a person",
    );
    assert.match(byKey.get("extra_table scratch.undefined")?.explanation ?? "", /DROP TABLE scratch/);

    const fix = await applyRepairs(db, report);
    assert.equal(fix.error, undefined);
    assert.equal(fix.applied.length, report.repairable.length);
    const after = await runDoctor(deps);
    assert.deepEqual(kinds(after), [
      "column_nullability execution_tasks.stage",
      "column_type execution_tasks.locked_by",
      "extra_column ideas.legacy_note",
      "extra_constraint ideas.ideas_title_check",
      "extra_index ideas.ideas_title_idx",
      "extra_table scratch",
    ]);
    assert.equal(after.repairable.length, 0);
    assert.equal(doctorExitCode(after), 1, "drift that needs a person keeps the exit status non-zero");

    // The repairs are idempotent: running the same script again changes nothing and fails nothing.
    await db.exec(repairScript(report));
    assert.deepEqual(kinds(await runDoctor(deps)), kinds(after));
  });

  it("applies repairs all or nothing: one that existing rows break leaves everything as it was", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    await db.exec(`
      ALTER TABLE ideas DROP CONSTRAINT ideas_status_check;
      ALTER TABLE execution_tasks DROP COLUMN ai_model;
      INSERT INTO ideas (key, title, status) VALUES ('odd', 'An idea in a status nobody allowed', 'dreaming');
    `);
    const report = await runDoctor(deps);
    assert.deepEqual(kinds(report), [
      "missing_column execution_tasks.ai_model",
      "missing_constraint ideas.ideas_status_check",
    ]);
    const fix = await applyRepairs(db, report);
    assert.match(fix.error?.message ?? "", /rolled back, nothing changed.*ideas_status_check/s);
    assert.deepEqual(fix.applied, []);
    assert.deepEqual(kinds(await runDoctor(deps)), kinds(report), "the column was not added either");
  });
});
