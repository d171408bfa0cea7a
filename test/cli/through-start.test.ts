import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { type CliResult, runCli } from "../support/run-cli.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { exitWithin, spawnCli } from "./spawn-cli.ts";

/**
 * The README's quick start leads from `npm start` straight to the CLI. While `steward start`
 * holds the embedded database, every command must work beside it, through its API, printing
 * what it prints when it opens the database itself. The embedded mode only: always PGlite.
 */

/** Commands whose answers must be the same both ways, with the fields that move with time left out. */
const reads: { args: string[]; drop?: string[] }[] = [
  { args: ["task", "ls", "--json"] },
  { args: ["task", "show", "1", "--json"] },
  { args: ["task", "explain", "2", "--json"] },
  { args: ["task", "dead", "--json"] },
  { args: ["task", "kinds", "--json"] },
  { args: ["migrate", "status", "--json"] },
  { args: ["migrate", "plan", "--down", "--json"] },
  { args: ["doctor", "--json"] },
  { args: ["models", "--json"], drop: ["at"] },
  { args: ["models", "curves", "--json"], drop: ["at"] },
  { args: ["status", "--json"], drop: ["checkedAt", "via"] },
  // Refusals: the same code and words.
  { args: ["task", "show", "999", "--json"], drop: ["database"] },
  { args: ["task", "pause", "no-such-kind", "--json"], drop: ["database"] },
  { args: ["task", "add", "sleep", "--payload", '{"ms": "soon"}', "--json"], drop: ["database"] },
];

describe("the CLI beside a running steward start", () => {
  it("answers every command through the running process, as it would alone", async (t) => {
    const project = tempFolder("through-start");
    // No worker in the started process, so that the tasks stay as they are between the two runs.
    writeFileSync(
      path.join(project, "steward.config.json"),
      JSON.stringify({
        workers: { embedded: false },
        demo: { enabled: false },
        log: { level: "warn" },
        ...oneSimWriter(),
      }),
    );
    const cli = (args: string[], cwd = project) => runCli(args, { cwd });
    await expectOk(cli(["migrate", "up"]));
    await expectOk(cli(["task", "add", "sleep", "--payload", '{"ms": 1}', "--urgency", "8"]));
    await expectOk(cli(["task", "add", "llm", "--payload", '{"prompt": "Say hi."}']));
    await expectOk(cli(["task", "pause", "noop", "--reason", "maintenance"]));

    const alone = [];
    for (const read of reads) alone.push(await cli(read.args));
    const aloneTable = await cli(["task", "kinds"]);

    const start = spawnCli(t, ["start", "--port", "0"], { cwd: project });
    await start.waitForOutput(/Press Ctrl-C to stop\./);
    const lock = path.join(project, ".steward", "db.lock");
    assert.equal(statSync(lock).mode & 0o777, 0o600, "the lock holds a token: its owner's only");
    const holder = JSON.parse(readFileSync(lock, "utf8"));
    assert.equal(holder.command, "start");
    assert.match(holder.server.url, /^http:\/\/127\.0\.0\.1:\d+$/);

    // From a folder below the project, as a person in docs/ would run it.
    const below = path.join(project, ".steward");
    for (const [i, read] of reads.entries()) {
      const through = await cli(read.args, below);
      assert.equal(through.code, alone[i]!.code, `${read.args.join(" ")}: exit code\n${through.stderr}`);
      assert.deepEqual(
        without(JSON.parse(through.stdout), read.drop),
        without(JSON.parse(alone[i]!.stdout), read.drop),
        `steward ${read.args.join(" ")} answers the same through steward start`,
      );
    }
    assert.equal((await cli(["task", "kinds"])).stdout, aloneTable.stdout, "tables too");

    const status = await cli(["status"]);
    assert.match(
      status.stdout,
      /Database {4}embedded \(PGlite\): pglite:.*db, through steward start \(process \d+\) at http:/,
    );
    const missing = await cli(["task", "show", "999"]);
    assert.equal(missing.code, 3);
    assert.match(
      missing.stderr,
      /^steward: There is no task 999\.\n {2}\(database: pglite:.*through steward start/,
    );

    // Changes go through it too, all or nothing, and report what did not change.
    const cancelled = JSON.parse((await expectOk(cli(["task", "cancel", "1", "1", "--json"]))).stdout);
    assert.deepEqual(cancelled.changed, [{ id: 1, from: "queued", to: "cancelled" }]);
    const again = await cli(["task", "cancel", "1", "424242"]);
    assert.equal(again.code, 1);
    assert.match(
      again.stdout,
      /Not cancelled \(only queued, blocked or running tasks are cancelled\): 1 is cancelled\./,
    );
    assert.match(again.stderr, /no task with id 424242/);
    assert.match(
      (await expectOk(cli(["task", "retry", "1"]))).stdout,
      /Queued task 1 again with 3 more attempts/,
    );
    assert.match(
      (await expectOk(cli(["task", "resume", "noop", "sleep"]))).stdout,
      /Resumed noop[\s\S]*sleep was not paused/,
    );

    const file = path.join(project, "tasks.jsonl");
    writeFileSync(file, '{"kind": "noop", "ref": "a"}\n\n{"kind": "noop", "dependsOn": ["a"]}\n');
    assert.match(
      (await expectOk(cli(["task", "add", "--file", file]))).stdout,
      /Added 2 tasks from .*tasks\.jsonl \(ids 3–4\)/,
    );
    writeFileSync(file, '{"kind": "noop"}\n{"kind": "noop", "urgency": 11}\n');
    const refused = await cli(["task", "add", "--file", file]);
    assert.equal(refused.code, 3);
    assert.match(
      refused.stderr,
      /tasks\.jsonl \(2 tasks\) was refused whole; nothing was added:\n {2}- line 2: urgency/,
    );

    // Administrative commands carry the lock's token; without it the API refuses them.
    assert.match((await expectOk(cli(["migrate", "repair"]))).stdout, /No changed migrations\./);
    assert.match((await expectOk(cli(["doctor", "--fix"]))).stdout, /Nothing to repair automatically/);
    const backfill = await expectOk(cli(["backfill", "ai-model-from-attempts"]));
    assert.match(backfill.stdout, /ai-model-from-attempts: done\. 4 rows visited/);
    assert.match(backfill.stderr, /progress: 4\/4 rows \(100%\)/);
    const anonymous = await fetch(`${holder.server.url}/api/migrations/up`, { method: "POST" });
    assert.equal(anonymous.status, 403);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, "not_permitted");

    // A second worker cannot share the embedded folder: the error says who holds it and why.
    const worker = await cli(["worker"]);
    assert.equal(worker.code, 5);
    assert.match(
      worker.stderr,
      /in use by steward start \(process \d+\)\. CLI commands such as `steward task ls` run through it/,
    );

    start.child.kill("SIGTERM");
    assert.equal(await exitWithin(start, 30_000), 0, start.stderr());
    // Alone again: the command opens the database itself and sees what was done through the server.
    const after = JSON.parse((await expectOk(cli(["task", "ls", "--json"]))).stdout);
    assert.deepEqual(
      after.map((task: { id: number; status: string }) => [task.id, task.status]),
      [
        [4, "blocked"],
        [3, "queued"],
        [2, "queued"],
        [1, "queued"],
      ],
    );
  });
});

async function expectOk(run: Promise<CliResult>): Promise<CliResult> {
  const result = await run;
  assert.equal(result.code, 0, `exit code 0 expected\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

/** The value without the fields that differ by time or path (also inside `error`). */
function without(value: unknown, drop: string[] = []): unknown {
  if (drop.length === 0 || typeof value !== "object" || value === null) return value;
  const copy = { ...(value as Record<string, unknown>) };
  for (const key of drop) delete copy[key];
  if (typeof copy.error === "object" && copy.error !== null) copy.error = without(copy.error, drop);
  return copy;
}
