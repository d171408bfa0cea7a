import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { Database } from "../../src/db/database.ts";
import { buildServer } from "../../src/http/build-server.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

// One provider for the file: the server's tracer keeps the first provider it delegates to.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
before(() => {
  trace.setGlobalTracerProvider(provider);
});
after(async () => {
  trace.disable();
  await provider.shutdown();
});

const secret = "local-token-0123456789abcdef";

test(`a request's span is named by its route's pattern and carries method, route and status, on ${backend}`, async (t) => {
  exporter.reset();
  const { db } = await createTestDatabase(t);
  let broken = false;
  // A database that fails on demand, as one that went away would: the request answers 500.
  const failing: Database = Object.create(db, {
    query: {
      value: (sql: string, params?: readonly unknown[]) =>
        broken ? db.query("SELECT 1/0 AS boom") : db.query(sql, params),
    },
  });
  const deps = { ...(await testDeps(db)), db: failing };
  const app = await buildServer(deps);
  t.after(() => app.close());
  const [task] = await enqueueTasks(deps, [{ kind: "noop" }]);
  const headers = { authorization: `Bearer ${secret}`, "x-steward-token": secret };

  const found = await app.inject({ method: "GET", url: `/api/tasks/${task!.id}?token=${secret}`, headers });
  assert.equal(found.statusCode, 200, found.body);
  const missing = await app.inject({ method: "GET", url: "/api/tasks/987654", headers });
  assert.equal(missing.statusCode, 404, missing.body);
  // The dashboard answers every GET it has no file for; a DELETE of no route matches none.
  const nowhere = await app.inject({ method: "DELETE", url: `/no/such/${secret}` });
  assert.equal(nowhere.statusCode, 404);
  broken = true;
  const failed = await app.inject({ method: "GET", url: `/api/tasks/${task!.id}` });
  assert.equal(failed.statusCode, 500, failed.body);

  const spans = exporter.getFinishedSpans();
  assert.deepEqual(
    spans.map((span) => span.name),
    ["GET /api/tasks/:id", "GET /api/tasks/:id", "DELETE", "GET /api/tasks/:id"],
  );
  const [ok, notFound, noRoute, error] = spans as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan];
  assert.equal(ok.kind, SpanKind.SERVER);
  assert.equal(ok.instrumentationScope.name, "steward");
  assert.deepEqual(ok.attributes, {
    "http.request.method": "GET",
    "http.route": "/api/tasks/:id",
    "http.response.status_code": 200,
  });
  assert.equal(ok.status.code, SpanStatusCode.UNSET);
  assert.equal(notFound.attributes["http.response.status_code"], 404);
  assert.equal(notFound.status.code, SpanStatusCode.UNSET, "a 4xx is the client's error, not the server's");
  assert.deepEqual(noRoute.attributes, { "http.request.method": "DELETE", "http.response.status_code": 404 });
  assert.equal(error.attributes["http.response.status_code"], 500);
  assert.equal(error.attributes["error.type"], "500");
  assert.equal(error.status.code, SpanStatusCode.ERROR);
  for (const span of spans) {
    const text = JSON.stringify([span.name, span.attributes, span.status, span.events]);
    assert.ok(!text.includes(secret), `span "${span.name}" carries the token: ${text}`);
  }
});

test("a request carrying a W3C traceparent without a propagator registered starts a trace of its own", async (t) => {
  exporter.reset();
  const { db } = await createTestDatabase(t);
  const app = await buildServer(await testDeps(db));
  t.after(() => app.close());
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const response = await app.inject({
    method: "GET",
    url: "/healthz",
    headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
  });
  assert.equal(response.statusCode, 200);
  const [span] = exporter.getFinishedSpans();
  assert.equal(span?.name, "GET /healthz");
  // The API's default propagator is a no-op: the user's SDK chooses whether to trust callers' traces.
  assert.notEqual(span.spanContext().traceId, traceId);
  assert.equal(span.parentSpanContext, undefined);
});
