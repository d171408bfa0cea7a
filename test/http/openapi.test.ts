import assert from "node:assert/strict";
import { test } from "node:test";
import { buildServer } from "../../src/http/build-server.ts";
import { apiOperations } from "../../src/http/openapi.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        parameters: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema: { anyOf?: unknown[] } }> };
      }
    >
  >;
}

test("GET /api/openapi.json describes every route the server has, and only those", async (t) => {
  const testDb = await createTestDatabase(t);
  const deps = await testDeps(testDb.db);
  const served: string[] = [];
  const app = await buildServer(deps, {
    onRoute: (route) => {
      for (const method of [route.method].flat())
        if (method !== "HEAD" && /^\/(api|webhooks)\/|z$/.test(route.url))
          served.push(`${method.toLowerCase()} ${route.url}`);
    },
  });
  t.after(() => app.close());

  const response = await app.inject({ method: "GET", url: "/api/openapi.json" });
  assert.equal(response.statusCode, 200);
  const doc = response.json<OpenApiDocument>();
  assert.equal(doc.openapi, "3.1.0");

  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
  );
  assert.deepEqual([...documented].sort(), [...served].sort());
  assert.equal(documented.length, apiOperations.length);

  // Inputs come from the routes' own schemas: path and query parameters, and the task itself.
  const getTask = doc.paths["/api/tasks/{id}"]!.get!;
  assert.deepEqual(
    getTask.parameters.map((p) => [p.name, p.in]),
    [["id", "path"]],
  );
  const list = doc.paths["/api/tasks"]!.get!;
  assert.deepEqual(list.parameters.map((p) => p.name).sort(), [
    "before",
    "kind",
    "limit",
    "search",
    "stage",
    "status",
  ]);
  const enqueueBody = JSON.stringify(doc.paths["/api/tasks"]!.post!.requestBody);
  for (const field of ["kind", "payload", "idempotencyKey", "dependsOn", "onDependencyFailure", "tasks"])
    assert.ok(enqueueBody.includes(`"${field}"`), `the enqueue body documents ${field}`);
});
