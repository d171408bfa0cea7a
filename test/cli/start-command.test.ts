import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { Database } from "../../src/db/database.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";
import { exitWithin, spawnCli } from "./spawn-cli.ts";

function folderWithConfig(config: unknown): string {
  const cwd = tempFolder("start");
  writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify(config));
  return cwd;
}

const countOf = async (db: Database, sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;

describe(`steward start on ${backend}`, () => {
  it("runs a worker and the demo workload with the server, and stops them all on SIGINT", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    // On PGlite the folder is the started process's until it exits; on PostgreSQL the test watches.
    if (backend === "pglite") await testDb.db.close();
    // The demo is on by default for the embedded database only; --demo asks for it everywhere.
    const steward = spawnCli(t, ["start", "--port", "0", ...(backend === "postgres" ? ["--demo"] : [])], {
      cwd: folderWithConfig({ log: { level: "warn" } }),
      env: { STEWARD_DATABASE_URL: testDb.url },
    });
    await steward.waitForOutput(/Press Ctrl-C to stop\./);
    assert.match(
      steward.stdout(),
      /^Steward is up\.\n {2}Dashboard {2}http:\/\/127\.0\.0\.1:\d+\/\n {2}Database {3}.*\n {2}Worker {5}\S+, concurrency 50, kinds idea_implementation, implement_idea, llm, noop, self_improvement, sleep, stripe\.process\n {2}Demo {7}about 3 simulated tasks a second/,
    );
    if (backend === "postgres") {
      await waitFor(
        async () =>
          (await countOf(
            testDb.db,
            "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'succeeded'",
          )) >= 3,
        { timeoutMs: 20_000, what: "demo tasks to succeed" },
      );
    }

    steward.child.kill("SIGINT");
    assert.equal(await exitWithin(steward, 30_000), 0, steward.stderr());
    assert.match(
      steward.stdout(),
      /\nSteward stopped\. Worker: \d+ attempts? run: \d+ succeeded, \d+ failed[^.]*\. Demo: [1-9]\d* tasks enqueued\.\n$/,
    );

    const db =
      backend === "pglite" ? await PgliteDatabase.open(testDb.url.slice("pglite:".length)) : testDb.db;
    if (backend === "pglite") t.after(() => db.close());
    assert.equal(
      await countOf(db, "SELECT count(*)::int AS n FROM execution_tasks WHERE status = 'running'"),
      0,
    );
    assert.ok(
      (await countOf(db, "SELECT count(*)::int AS n FROM execution_tasks")) > 0,
      "the demo enqueued tasks",
    );
    assert.equal(
      await countOf(
        db,
        `SELECT count(*)::int AS n FROM execution_tasks
          WHERE kind <> 'stripe.process'
            AND (kind NOT IN ('implement_idea', 'idea_implementation', 'self_improvement') OR idea_id IS NULL)`,
      ),
      0,
      "every demo task is of a demo kind and belongs to a demo idea",
    );
    // The demo's Stripe events came through the webhook, test mode, each with its processing task.
    assert.ok(
      (await countOf(
        db,
        "SELECT count(*)::int AS n FROM stripe_events WHERE NOT livemode AND task_id IS NOT NULL",
      )) > 100,
      "the demo's Stripe history arrived through the webhook",
    );
    assert.equal(await countOf(db, "SELECT count(*)::int AS n FROM ideas WHERE key LIKE 'demo-%'"), 3);
  });

  it("says so when the worker is not embedded and the demo is off", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDb.db.close();
    const steward = spawnCli(t, ["start", "--port", "0", "--no-demo"], {
      cwd: folderWithConfig({ workers: { embedded: false }, log: { level: "warn" } }),
      env: { STEWARD_DATABASE_URL: testDb.url },
    });
    await steward.waitForOutput(/Press Ctrl-C to stop\./);
    assert.match(
      steward.stdout(),
      /\n {2}Worker {5}none in this process \(workers\.embedded is false\): run `steward worker`\n/,
    );
    assert.match(steward.stdout(), /\n {2}Demo {7}off \(--demo turns it on\)\n/);
    steward.child.kill("SIGTERM");
    assert.equal(await exitWithin(steward, 30_000), 0, steward.stderr());
    assert.match(steward.stdout(), /\nSteward stopped\.\n$/);
  });
});
