import assert from "node:assert/strict";
import { test } from "node:test";
import { maxLoggedTextLength, truncateForLog } from "../../src/app/logger.ts";
import type { Database } from "../../src/db/database.ts";
import { buildServer } from "../../src/http/build-server.ts";
import { toErrorResponse } from "../../src/http/error-handler.ts";
import { capturedLogger } from "../support/captured-logger.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/** The error the database itself raises for this statement. */
async function databaseError(db: Database, sql: string, params: unknown[]): Promise<unknown> {
  try {
    await db.query(sql, params);
  } catch (error) {
    return error;
  }
  assert.fail(`${sql} did not fail`);
}

test(`values the database refuses to store are a 400, not a 500, even from an unchecked route, on ${backend}`, async (t) => {
  const { db } = await createTestDatabase(t);
  for (const [what, sql, params] of [
    ["NUL in jsonb", "SELECT $1::jsonb", [JSON.stringify({ a: "x\u0000y" })]],
    ["NUL in text", "SELECT $1::text", ["x\u0000y"]],
    ["a lone surrogate in jsonb", "SELECT $1::jsonb", [JSON.stringify({ a: "x\ud800y" })]],
  ] as const) {
    const response = toErrorResponse(await databaseError(db, sql, [...params]));
    assert.equal(response.statusCode, 400, what);
    assert.equal(response.body.error.code, "validation_failed", what);
    assert.match(response.body.error.message, /cannot store/, what);
    assert.equal(response.logLevel, "warn", `${what}: logged, since some route let it through`);
  }
  // Not every database error is the client's: a division by zero stays a 500.
  assert.equal(toErrorResponse(await databaseError(db, "SELECT 1/0", [])).statusCode, 500);
});

test("a logged error keeps long strings and arrays short, noting how long they were", () => {
  const payload = JSON.stringify({ secretPlan: "p".repeat(100_000) });
  const error = Object.assign(new Error("invalid input syntax for type json"), {
    code: "22P02",
    params: [payload, ...Array.from({ length: 50 }, (_, i) => i)],
    detail: `Token "${"q".repeat(5_000)}" is invalid.`,
    query: `SELECT $1::jsonb\n${"-- a comment line\n".repeat(100)}`,
    body: Buffer.alloc(1_000_000),
  });
  const { logger, lines } = capturedLogger("debug");
  logger.error({ err: error }, "request failed");
  assert.equal(lines.length, 1);
  const logged = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
  assert.ok(lines[0]!.length < 8_000, `the line is ${lines[0]!.length} characters`);
  const params = logged.err.params as unknown[];
  assert.equal(params[0], `${payload.slice(0, maxLoggedTextLength)}… (${payload.length} characters in all)`);
  assert.equal(params.length, 21);
  assert.equal(params.at(-1), "… (51 items in all)");
  assert.match(String(logged.err.detail), /… \(5020 characters in all\)$/);
  assert.match(String(logged.err.query), /^SELECT \$1::jsonb\n-- a comment line\n/);
  assert.match(String(logged.err.query), /… \(62 more lines\)$/);
  assert.equal(logged.err.body, "[1000000 bytes of binary data]");
  assert.equal(logged.err.code, "22P02");
  assert.match(String(logged.err.stack), /^Error: invalid input syntax for type json\n {4}at /);
  // Short values and nesting within bounds come through unchanged.
  assert.deepEqual(truncateForLog({ a: [1, "two", { three: null }], when: new Date(0) }), {
    a: [1, "two", { three: null }],
    when: new Date(0),
  });
});

test(`a request that fails in the database is logged without the payload it carried, on ${backend}`, async (t) => {
  const { db } = await createTestDatabase(t);
  const marker = "m".repeat(50_000);
  // The enqueue's statement fails as a real one would, with the request's parameters on the error.
  const failing: Database = Object.create(db, {
    query: {
      value: (sql: string, params?: readonly unknown[]) =>
        JSON.stringify(params ?? []).includes(marker)
          ? db.query("SELECT $1::text AS p, 1/0 AS boom", [JSON.stringify(params)])
          : db.query(sql, params),
    },
  });
  const { logger, lines } = capturedLogger("debug");
  const deps = { ...(await testDeps(db)), db: failing, logger };
  const app = await buildServer(deps);
  t.after(() => app.close());
  const response = await app.inject({
    method: "POST",
    url: `/api/tasks?${"x".repeat(2_000)}`,
    payload: { kind: "noop", payload: { marker } },
  });
  assert.equal(response.statusCode, 500, response.body);
  const failed = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === "request failed");
  assert.ok(failed, `no "request failed" line among ${lines.length}`);
  assert.match(failed.err.message, /division by zero/);
  const text = JSON.stringify(failed);
  assert.ok(!text.includes(marker), "the payload is not logged in full");
  assert.ok(text.length < 10_000, `the line is ${text.length} characters`);
  assert.match(failed.url, /… \(\d+ characters in all\)$/);
});
