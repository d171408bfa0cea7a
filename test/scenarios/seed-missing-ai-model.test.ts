import assert from "node:assert/strict";
import { it } from "node:test";
import { configSchema } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { sqlState } from "../../src/errors.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { runCli } from "../support/run-cli.ts";
import { seedWorkload } from "../support/seed-workload.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * The seed report's first finding, end to end: `execution_tasks.ai_model` is missing, writes
 * that use it fail, and the doctor finds it, prints the repair, applies it, and changes nothing else.
 */

const open = (url: string) => openDatabase({ config: configSchema.parse({ database: { url } }).database });

/** Every column of every task except ai_model, and the other tables whole. */
async function contents(db: Database) {
  const tasks = await db.query(
    `SELECT id, kind, stage, status, idea_id, urgency, complexity, capabilities, payload, result, error, attempts,
            max_attempts, timeout_ms, run_at, deadline, created_at, updated_at, started_at, finished_at,
            input_tokens, output_tokens, cost_usd, idempotency_key, locked_by, locked_until
       FROM execution_tasks ORDER BY id`,
  );
  const attempts = await db.query("SELECT * FROM task_attempts ORDER BY task_id, attempt");
  const ideas = await db.query("SELECT * FROM ideas ORDER BY id");
  return { tasks: tasks.rows, attempts: attempts.rows, ideas: ideas.rows };
}

it(`seed scenario on ${backend}: missing ai_model found, repaired, nothing else changed, backfilled`, async (t) => {
  const testDb = await createTestDatabase(t, { onDisk: true });
  let db: Database = testDb.db;
  await migrateUp(db, loadMigrations());
  const tasks = await seedWorkload(db);

  // The drift the seed report describes.
  await db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  const before = await contents(db);
  await assert.rejects(
    db.query("UPDATE execution_tasks SET ai_model = 'sim-fast' WHERE id = $1", [tasks.neverRan]),
    (error) =>
      sqlState(error) === "42703" &&
      /column "ai_model" of relation "execution_tasks" does not exist/.test(String(error)),
  );
  await db.close(); // the embedded database is one process's at a time: hand it to the CLI

  const env = { STEWARD_DATABASE_URL: testDb.url };
  const diagnosis = await runCli(["doctor"], { env });
  assert.equal(diagnosis.code, 1, `drift gives exit status 1\n${diagnosis.stdout}${diagnosis.stderr}`);
  assert.match(diagnosis.stdout, /missing column\s+execution_tasks\s+ai_model/);
  assert.match(diagnosis.stdout, /^ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;$/m);

  const asJson = await runCli(["doctor", "--json"], { env });
  const report = JSON.parse(asJson.stdout);
  assert.deepEqual(
    report.differences.map((d: { kind: string; table: string; object: string; repair: string }) => [
      d.kind,
      d.table,
      d.object,
      d.repair,
    ]),
    [
      [
        "missing_column",
        "execution_tasks",
        "ai_model",
        "ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;",
      ],
    ],
  );

  const fix = await runCli(["doctor", "--fix"], { env });
  assert.equal(fix.code, 0, `${fix.stdout}${fix.stderr}`);
  assert.match(fix.stdout, /Applied 1 repair in one transaction/);
  assert.match(fix.stdout, /no drift/);
  const again = await runCli(["doctor"], { env });
  assert.equal(again.code, 0, "a second run finds nothing");

  db = await open(testDb.url);
  try {
    assert.deepEqual(await contents(db), before, "row count and every other column unchanged");
    await db.query("UPDATE execution_tasks SET ai_model = 'sim-fast' WHERE id = $1", [tasks.neverRan]);
    await db.query("UPDATE execution_tasks SET ai_model = NULL WHERE id = $1", [tasks.neverRan]);
    const nulls = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM execution_tasks WHERE ai_model IS NULL",
    );
    assert.equal(nulls.rows[0]!.n, before.tasks.length, "the re-added column starts empty");
  } finally {
    await db.close();
  }

  // The report's backfill: models come back from the attempts; unknown stays unknown.
  const backfill = await runCli(["backfill", "ai-model-from-attempts", "--batch-size", "2"], { env });
  assert.equal(backfill.code, 0, `${backfill.stdout}${backfill.stderr}`);
  assert.match(backfill.stdout, /done\. 4 rows visited, 3 changed, in 2 batches/);
  assert.match(backfill.stderr, /progress: 4\/4 rows \(100%\), 3 changed/);
  db = await open(testDb.url);
  try {
    const { rows } = await db.query<{ id: number; ai_model: string | null }>(
      "SELECT id, ai_model FROM execution_tasks ORDER BY id",
    );
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.ai_model])), {
      [tasks.implemented]: "sim-strong",
      [tasks.retried]: "sim-fast",
      [tasks.improving]: "sim-strong",
      [tasks.neverRan]: null,
    });
  } finally {
    await db.close();
  }
});
