import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { runCli } from "../support/run-cli.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase, serverUrl } from "../support/test-database.ts";

const emptyFolder = () => tempFolder("cli");
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const skipUnlessPostgres = serverUrl ? false : "needs a PostgreSQL server (STEWARD_TEST_DATABASE_URL)";

describe(`steward CLI on ${backend}`, () => {
  it("migrate: status, plan (changes nothing), up, down only with --yes", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDb.db.close(); // hand the embedded folder to the CLI processes
    const env = { STEWARD_DATABASE_URL: testDb.url };

    const pending = await runCli(["migrate", "status", "--json"], { env });
    assert.equal(pending.code, 0, pending.stderr);
    const states: string[] = JSON.parse(pending.stdout).states.map((s: { status: string }) => s.status);
    assert.ok(states.length >= 2 && states.every((s) => s === "pending"), states.join());
    const latest = states.length;
    const latestName = new RegExp(
      `would revert ${String(latest).padStart(4, "0")}_[a-z_]+; .*run again with --yes`,
      "s",
    );

    const plan = await runCli(["migrate", "plan"], { env });
    assert.match(plan.stdout, /-- 0001_core_schema \(up\)\n[\s\S]*CREATE TABLE execution_tasks/);
    const stillPending = await runCli(["migrate", "status"], { env });
    assert.match(stillPending.stdout, new RegExp(`0 applied, ${latest} pending`));
    assert.match(stillPending.stdout, /VERSION\s+NAME\s+STATUS/);

    const up = await runCli(["migrate", "up"], { env });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /✔ 0001_core_schema up \(\d+ ms\)\n✔ 0002_backfill_progress up/);
    assert.match((await runCli(["migrate", "up"], { env })).stdout, /Nothing to apply/);

    const refused = await runCli(["migrate", "down"], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, latestName);
    const down = await runCli(["migrate", "down", "--yes", "--to", "1"], { env });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /✔ 0002_backfill_progress down/);
    const after = JSON.parse((await runCli(["migrate", "status", "--json"], { env })).stdout);
    assert.deepEqual(
      after.states.map((s: { status: string }) => s.status),
      ["applied", ...Array(latest - 1).fill("pending")],
    );
  });

  it("stops on a bad configuration file, naming the key, the file and what is allowed", async () => {
    const cwd = emptyFolder();
    writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify({ http: { prot: 80 } }));
    const result = await runCli(["status"], { cwd });
    assert.equal(result.code, 4);
    assert.match(
      result.stderr,
      /steward\.config\.json: unknown key "prot" in "http"; allowed keys are: host, port/,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace for a user's mistake");
  });

  it("retries an unreachable database, then exits non-zero saying so", async () => {
    const result = await runCli(["status"], {
      env: {
        STEWARD_DATABASE_URL: "postgres://steward:pw@127.0.0.1:1/none",
        STEWARD_DATABASE_CONNECT_ATTEMPTS: "2",
      },
    });
    assert.equal(result.code, 5);
    assert.match(result.stderr, /retrying in 250 ms \(attempt 1 of 2\)/);
    assert.match(result.stderr, /127\.0\.0\.1:1\/none is unreachable after 2 attempts/);
    assert.doesNotMatch(result.stderr, /:pw@/, "the password is never printed");
  });

  it("refuses an embedded database that another process holds open", async (t) => {
    const folder = path.join(emptyFolder(), "db");
    const holder = await PgliteDatabase.open(folder);
    t.after(() => holder.close());
    const result = await runCli(["status"], { env: { STEWARD_DATABASE_URL: `pglite:${folder}` } });
    assert.equal(result.code, 5);
    assert.match(result.stderr, new RegExp(`in use by process ${process.pid}`));
  });

  it("never creates a database to read from, and says where it looked", async () => {
    const cwd = emptyFolder();
    const result = await runCli(["task", "ls"], { cwd });
    assert.equal(result.code, 5);
    assert.match(
      result.stderr,
      /^steward: There is no Steward database in \S+\/\.steward\/db: no folder from \S+ upwards holds a steward\.config\.\* file or a \.steward folder\. Run `steward start` \(or `steward migrate up`\)/,
    );
    assert.match(
      result.stderr,
      /\n {2}\(database: pglite:\S+\/\.steward\/db\)\n$/,
      "the error names the database",
    );
    assert.equal(existsSync(path.join(cwd, ".steward")), false, "nothing was made");
    const json = JSON.parse((await runCli(["status", "--json"], { cwd })).stdout);
    assert.equal(json.error.code, "database_missing");
    assert.equal(existsSync(path.join(cwd, ".steward")), false);
  });

  it("finds the project's database from a folder below it, as git finds its repository", async () => {
    const project = emptyFolder();
    assert.equal((await runCli(["migrate", "up"], { cwd: project })).code, 0);
    const docs = path.join(project, "docs", "guide");
    mkdirSync(docs, { recursive: true });
    const listed = await runCli(["task", "ls"], { cwd: docs });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, "No tasks match.\n");
    const status = await runCli(["status"], { cwd: docs });
    assert.match(
      status.stdout,
      new RegExp(`Database {4}embedded \\(PGlite\\): pglite:${escapeRegex(project)}/\\.steward/db\n`),
    );
    assert.equal(existsSync(path.join(docs, ".steward")), false, "no second database below the project");
  });

  it("fails at once, saying so, when the PostgreSQL database does not exist", {
    skip: skipUnlessPostgres,
  }, async () => {
    const url = new URL(serverUrl!);
    url.pathname = "/steward_no_such_database";
    const started = Date.now();
    const result = await runCli(["status"], { env: { STEWARD_DATABASE_URL: url.toString() } });
    assert.equal(result.code, 5);
    assert.match(
      result.stderr,
      /steward_no_such_database does not exist on its server \(create it, e\.g\. `createdb steward_no_such_database`/,
    );
    assert.doesNotMatch(result.stderr, /retrying/, "a database that does not exist is not retried");
    assert.ok(Date.now() - started < 10_000, "no backoff");
  });

  it("help lists the options every command takes, each default once; migrate repair --migration is its own option", async () => {
    const help = await runCli(["task", "ls", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Global Options:[\s\S]*--database <url>[\s\S]*--json/);
    assert.match(help.stdout, /--limit <n> +at most this many \(1–500\) \(default: 50\)/);
    assert.doesNotMatch(help.stdout, /default 50\)/);
    const repair = await runCli(["migrate", "repair", "--migration", "7", "--json"], { cwd: emptyFolder() });
    assert.doesNotMatch(repair.stdout, /^\d+\.\d+\.\d+\n$/, "not Steward's version");
    assert.equal(JSON.parse(repair.stdout).error.code, "database_missing");
  });

  it("answers errors as JSON with --json, and usage errors with help", async () => {
    const unknown = await runCli(["backfill", "nope", "--json"]);
    assert.equal(unknown.code, 3);
    assert.equal(JSON.parse(unknown.stdout).error.code, "not_found");
    const usage = await runCli(["migrate", "up", "--to", "two"]);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /expected a migration number/);
  });
});
