import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Clock, Deps } from "../../src/app/deps.ts";
import type { SystemStatus } from "../../src/app/system-status.ts";
import type { Database, QueryResult } from "../../src/db/database.ts";
import { buildServer } from "../../src/http/build-server.ts";
import { version } from "../../src/version.ts";
import type { SystemStatus as DashboardStatus } from "../../web/src/api.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * A server, in process, on a fresh database: `migrated` (schema clean) or `unmigrated` (empty).
 * `change` replaces some dependencies (a clock, a failing database).
 */
async function stewardOn(
  t: TestContext,
  scenario: "migrated" | "unmigrated",
  change: (deps: Deps) => Partial<Deps> = () => ({}),
) {
  const testDb = await createTestDatabase(t);
  const base = await testDeps(testDb.db, { migrate: scenario === "migrated" });
  const deps = { ...base, ...change(base) };
  const app = await buildServer(deps);
  t.after(() => app.close());
  return { app, deps, testDb };
}

/** Drift the doctor must find: a column of the first migration, dropped by hand. */
const dropAiModel = "ALTER TABLE execution_tasks DROP COLUMN ai_model";

test("GET /healthz answers while the process runs, whatever the database", async (t) => {
  const { app } = await stewardOn(t, "unmigrated");
  const response = await app.inject({ method: "GET", url: "/healthz" });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: "ok" });
});

test("GET /readyz is 200 and ready on a migrated database", async (t) => {
  const { app } = await stewardOn(t, "migrated");
  const response = await app.inject({ method: "GET", url: "/readyz" });
  assert.equal(response.statusCode, 200);
  const status = response.json<SystemStatus>();
  assert.equal(status.ready, true);
  assert.equal(status.schema.status, "clean");
});

test("GET /readyz is 503 with schema pending on a database never migrated", async (t) => {
  const { app, deps } = await stewardOn(t, "unmigrated");
  const response = await app.inject({ method: "GET", url: "/readyz" });
  assert.equal(response.statusCode, 503);
  const status = response.json<SystemStatus>();
  assert.equal(status.ready, false);
  assert.equal(status.schema.status, "pending");
  assert.equal(status.schema.pending, deps.migrations.length);
});

test("GET /readyz is 503 with the drift named when a column was dropped by hand", async (t) => {
  const { app, testDb } = await stewardOn(t, "migrated");
  await testDb.db.exec(dropAiModel);
  const response = await app.inject({ method: "GET", url: "/readyz" });
  assert.equal(response.statusCode, 503);
  const status = response.json<SystemStatus>();
  assert.equal(status.schema.status, "drift");
  const missing = status.schema.differences.find((d) => d.object === "ai_model");
  assert.ok(missing, `no difference names ai_model: ${JSON.stringify(status.schema.differences)}`);
  assert.equal(missing.table, "execution_tasks");
  assert.match(missing.repair ?? "", /ADD COLUMN.*ai_model/);
});

test("GET /readyz reuses one check for 2 seconds, then checks again", async (t) => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  const { app, testDb } = await stewardOn(t, "migrated", () => ({ clock }));

  assert.equal((await app.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
  await testDb.db.exec(dropAiModel);
  now += 1_999;
  assert.equal((await app.inject({ method: "GET", url: "/readyz" })).statusCode, 200, "within 2 s: cached");
  // /api/status is never cached: the dashboard shows the drift at once.
  const status = (await app.inject({ method: "GET", url: "/api/status" })).json<SystemStatus>();
  assert.equal(status.schema.status, "drift");
  now += 1;
  assert.equal(
    (await app.inject({ method: "GET", url: "/readyz" })).statusCode,
    503,
    "after 2 s: checked again",
  );
});

test("GET /api/status describes version, database and schema", async (t) => {
  const { app, deps } = await stewardOn(t, "migrated");
  const response = await app.inject({ method: "GET", url: "/api/status" });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  // Compile-time check as well: what the server sends must fit what the dashboard reads.
  const status: DashboardStatus = response.json<SystemStatus>();
  assert.equal(status.version, version);
  assert.equal(status.database.kind, backend);
  assert.equal(status.database.reachable, true);
  assert.equal(status.database.description, deps.db.description);
  assert.deepEqual(status.schema, {
    status: "clean",
    applied: deps.migrations.length,
    pending: 0,
    latest: deps.migrations.at(-1)?.name,
    changed: [],
    differences: [],
  });
  assert.equal(status.ready, true);
  assert.ok(!Number.isNaN(Date.parse(status.checkedAt)));
});

test("GET /api/status is 200 even when the database is gone, and says so", async (t) => {
  const { app, testDb } = await stewardOn(t, "migrated");
  await testDb.db.close();
  const response = await app.inject({ method: "GET", url: "/api/status" });
  assert.equal(response.statusCode, 200);
  const status = response.json<SystemStatus>();
  assert.equal(status.database.reachable, false);
  assert.equal(status.schema.status, "unknown");
  assert.equal((await app.inject({ method: "GET", url: "/readyz" })).statusCode, 503);
});

test("an unknown path is a 404 in the error shape, under /api or not", async (t) => {
  const { app } = await stewardOn(t, "unmigrated");
  const api = await app.inject({ method: "GET", url: "/api/x?y=1" });
  assert.equal(api.statusCode, 404);
  assert.deepEqual(api.json(), {
    error: {
      code: "not_found",
      message:
        "No route GET /api/x. The API's routes are listed at GET /api/openapi.json; the dashboard is at /.",
    },
  });
  const page = await app.inject({ method: "GET", url: "/no-such-page.txt" });
  assert.equal(page.statusCode, 404);
  assert.match(String(page.headers["content-type"]), /^application\/json/);
  assert.equal(page.json<{ error: { code: string } }>().error.code, "not_found");
});

test("an unexpected failure inside a route is a 500 that hides its message", async (t) => {
  const { app } = await stewardOn(t, "migrated", (deps) => ({ db: failingAfterPing(deps.db) }));
  const response = await app.inject({ method: "GET", url: "/api/status" });
  assert.equal(response.statusCode, 500);
  assert.deepEqual(response.json(), {
    error: { code: "internal_error", message: "Internal server error. The server log has the details." },
  });
  assert.doesNotMatch(response.body, /hunter2/);
});

/** A database that answers the reachability ping, then fails with a message holding a secret. */
function failingAfterPing(db: Database): Database {
  const fail = () =>
    Promise.reject(new Error("connect to db.internal:5432 as steward password=hunter2 failed"));
  return {
    kind: db.kind,
    description: db.description,
    errors: db.errors,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      return sql === "SELECT 1" ? db.query<Row>(sql, params) : fail();
    },
    exec: fail,
    transaction: fail,
    withSession: fail,
    listen: fail,
    close: () => db.close(),
  };
}
