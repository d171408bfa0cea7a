import assert from "node:assert/strict";
import { test } from "node:test";
import { reportFailure } from "../../src/cli/command-context.ts";
import { exitCodeFor, exitCodes } from "../../src/cli/exit-codes.ts";
import { StewardError, type StewardErrorCode } from "../../src/errors.ts";
import { statusForCode } from "../../src/http/error-handler.ts";
import { runCli } from "../support/run-cli.ts";
import { tempFolder } from "../support/temp-folder.ts";

test("every StewardError code has its exit status, grouped as its HTTP status groups it", () => {
  const expected: Record<StewardErrorCode, number> = {
    validation_failed: 3,
    not_found: 3,
    conflict: 3,
    idempotency_conflict: 3,
    not_permitted: 3,
    config_invalid: 4,
    database_url_invalid: 4,
    database_unreachable: 5,
    database_missing: 5,
    migrations_pending: 6,
    migration_invalid: 6,
    migration_checksum_mismatch: 6,
    migration_failed: 6,
  };
  for (const [code, status] of Object.entries(expected)) {
    assert.equal(exitCodeFor(code as StewardErrorCode), status, code);
    // What a client got wrong is a 4xx over HTTP and "refused" here.
    assert.equal(statusForCode(code as StewardErrorCode) < 500, status === exitCodes.refused, code);
  }
});

test("errors print in the API's shape with --json, with the same codes", () => {
  const printed: string[] = [];
  const io = { out: (t: string) => printed.push(t), err: (t: string) => printed.push(t), isTty: false };
  const status = reportFailure(new StewardError("not_found", "There is no task 7."), io, true);
  assert.equal(status, exitCodes.refused);
  assert.deepEqual(JSON.parse(printed[0]!), { error: { code: "not_found", message: "There is no task 7." } });
  const bug = reportFailure(new TypeError("x is undefined"), io, true);
  assert.equal(bug, exitCodes.internal);
  assert.equal(JSON.parse(printed[1]!).error.code, "internal_error", "as HTTP says it");
});

test("a usage error exits 2; STEWARD_DEBUG is a variable Steward knows", async () => {
  const usage = await runCli(["task", "ls", "--limit", "many"]);
  assert.equal(usage.code, exitCodes.usage);
  assert.match(usage.stderr, /--limit <n>' argument 'many' is invalid\. expected a whole number/);
  const debug = await runCli(["status"], { cwd: tempFolder("exit"), env: { STEWARD_DEBUG: "1" } });
  assert.equal(debug.code, exitCodes.database, debug.stderr);
  assert.match(debug.stderr, /There is no Steward database/);
  assert.doesNotMatch(debug.stderr, /Unknown environment variable/);
  assert.match(debug.stderr, /\n {4}at /, "with STEWARD_DEBUG the stack is printed");
});
