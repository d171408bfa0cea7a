import assert from "node:assert/strict";
import { it } from "node:test";
import { configSchema } from "../../src/config/config-schema.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";
import { auditRuns, createRunLog, spawnWorker } from "./reliability-support.ts";

// This test is about the embedded database: it makes its own PGlite folder on either run.
it("the embedded process killed with SIGKILL mid-run loses no acknowledged enqueue and finishes after a restart", {
  timeout: 180_000,
}, async (t) => {
  const folder = await createTestDatabase(t, { onDisk: true, backend: "pglite" });
  await migrateUp(folder.db, loadMigrations());
  await createRunLog(folder.db);
  await folder.db.close();

  const first = spawnWorker(folder.url, 3_000);
  t.after(() => first.process.kill("SIGKILL"));
  await first.ready;
  await waitFor(() => first.lines.filter((l) => l.startsWith("ack ")).length >= 200 || undefined, {
    timeoutMs: 60_000,
    what: "200 acknowledged enqueues",
  });
  first.process.kill("SIGKILL");
  await first.exited;
  const acked = first.lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4)));
  assert.ok(!first.lines.includes("enqueued"), "killed before it finished enqueueing");

  // Started again on the same folder: it takes over the stale lock and finishes the run,
  // including the tasks that were running when the first process died (their leases expire).
  const second = spawnWorker(folder.url, "drain");
  t.after(() => second.process.kill("SIGKILL"));
  assert.equal(await second.exited, 0);
  assert.ok(second.lines.includes("drained"));
  const db = await openDatabase({ config: configSchema.parse({ database: { url: folder.url } }).database });
  t.after(() => db.close());
  const { rows } = await db.query<{ id: number; status: string }>(
    "SELECT id, status FROM execution_tasks WHERE id = ANY($1::bigint[])",
    [acked],
  );
  assert.equal(rows.length, acked.length, `all ${acked.length} acknowledged tasks are there`);
  assert.ok(acked.length >= 200);
  const audit = await auditRuns(db);
  t.diagnostic(`acknowledged before the kill: ${acked.length}; statuses: ${JSON.stringify(audit.statuses)}`);
  assert.deepEqual(Object.keys(audit.statuses), ["succeeded"], "the run finished");
  assert.deepEqual(new Set(rows.map((r) => r.status)), new Set(["succeeded"]));
  assert.equal(audit.doubleRuns, 0);
  assert.equal(audit.rerunsWithoutLostLease, 0);
});
