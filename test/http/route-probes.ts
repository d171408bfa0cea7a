import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { Deps } from "../../src/app/deps.ts";
import { buildServer } from "../../src/http/build-server.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";

/**
 * For tests that go over every route the server registers, so that a route added later is
 * covered without being listed: the routes as Fastify registered them, and what the API's own
 * description (GET /api/openapi.json) says each one takes.
 */

export interface ServedRoute {
  method: string;
  /** Fastify's pattern: `/api/tasks/:id`. */
  url: string;
  /** When the route sets its own. */
  bodyLimit?: number;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}

export interface DocumentedOperation {
  parameters: { name: string; in: "path" | "query"; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface ServerUnderTest {
  app: FastifyInstance;
  deps: Deps;
  /** Every route but HEAD (Fastify adds one to each GET). */
  routes: ServedRoute[];
  /** By `METHOD /pattern`, for the routes the description has. */
  documented: Map<string, DocumentedOperation>;
}

export async function serverUnderTest(t: TestContext): Promise<ServerUnderTest> {
  const testDb = await createTestDatabase(t);
  const deps = await testDeps(testDb.db);
  const routes: ServedRoute[] = [];
  const app = await buildServer(deps, {
    onRoute: (route) => {
      for (const method of [route.method].flat())
        if (method !== "HEAD") routes.push({ method, url: route.url, bodyLimit: route.bodyLimit });
    },
  });
  t.after(() => app.close());
  const doc = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json<{
    paths: Record<string, Record<string, DocumentedOperation>>;
  }>();
  const documented = new Map<string, DocumentedOperation>();
  for (const [path, operations] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(operations))
      documented.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`, operation);
  return { app, deps, routes, documented };
}

/** The path parameters of a Fastify pattern. */
export function pathParams(url: string): string[] {
  return [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** The pattern with each parameter given a value (URL-encoded by the caller when needed). */
export function fillPath(url: string, values: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => values[name] ?? "x");
}

/** Tables whose contents a refused request must leave as they were. */
export async function snapshot(deps: Deps): Promise<string> {
  const { rows } = await deps.db.query<{
    tasks: string | null;
    dependencies: string | null;
    pauses: string | null;
  }>(
    `SELECT (SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM execution_tasks t) AS tasks,
            (SELECT md5(string_agg(d::text, '|' ORDER BY task_id, depends_on)) FROM task_dependencies d) AS dependencies,
            (SELECT md5(string_agg(p::text, '|' ORDER BY kind)) FROM task_kind_pauses p) AS pauses`,
  );
  return JSON.stringify(rows[0]);
}

/** A value the schema accepts, as plain as can be (required fields only). */
export function sample(schema: JsonSchema, name = ""): unknown {
  if (schema.anyOf) return sample(schema.anyOf[0]!, name);
  if (schema.enum) return schema.enum[0];
  const type = [schema.type ?? "any"].flat()[0];
  switch (type) {
    case "string":
      return name === "kind" || name === "kinds" ? "noop" : "text";
    case "integer":
    case "number":
      return Math.max(1, schema.minimum ?? 1, (schema.exclusiveMinimum ?? 0) + 1);
    case "boolean":
      return false;
    case "array":
      return (schema.minItems ?? 0) > 0 && schema.items ? [sample(schema.items, name)] : [];
    case "object":
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, sample(schema.properties![key]!, key)]),
      );
    default:
      return {};
  }
}

/** The object schema of a JSON body (the first shape of a union). */
export function bodySchema(operation: DocumentedOperation | undefined): JsonSchema | undefined {
  const schema = operation?.requestBody?.content["application/json"]?.schema;
  const object = schema?.anyOf ? schema.anyOf.find((s) => s.type === "object") : schema;
  return object?.type === "object" ? object : undefined;
}

export interface ErrorAnswer {
  code: string;
  message: string;
  details?: { problems?: { path: string; message: string }[] } & Record<string, unknown>;
}

/** Asserts the documented error shape, `{ error: { code, message, details? } }`, and returns it. */
export function errorOf(response: LightMyRequestResponse, what: string): ErrorAnswer {
  assert.match(String(response.headers["content-type"]), /^application\/json/, `${what}: content type`);
  const body = response.json<{ error: ErrorAnswer }>();
  assert.deepEqual(Object.keys(body), ["error"], `${what}: ${response.body}`);
  assert.equal(typeof body.error.code, "string", `${what}: code`);
  assert.equal(typeof body.error.message, "string", `${what}: message`);
  assert.ok(body.error.message.length > 0, `${what}: message`);
  for (const key of Object.keys(body.error))
    assert.ok(["code", "message", "details"].includes(key), `${what}: unexpected error.${key}`);
  if (body.error.details !== undefined) assert.equal(typeof body.error.details, "object", `${what}: details`);
  return body.error;
}
