import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import type { EnqueuedTask } from "../../src/tasks/enqueue-tasks.ts";
import { backend } from "../support/test-database.ts";
import { errorOf, fillPath, serverUnderTest, snapshot } from "./route-probes.ts";

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** Fastify's limit for routes that set none. */
const defaultBodyLimit = 1_048_576;

test(`every route answers a method it does not have with 405 and Allow, on ${backend}`, async (t) => {
  const { app, routes } = await serverUnderTest(t);
  const added = await app.inject({ method: "POST", url: "/api/tasks", payload: { kind: "noop" } });
  const values = {
    id: String(added.json<{ tasks: EnqueuedTask[] }>().tasks[0]!.id),
    kind: "noop",
    name: "x",
  };
  const byUrl = new Map<string, Set<string>>();
  for (const route of routes) {
    if (route.url.includes("*")) continue;
    byUrl.set(route.url, (byUrl.get(route.url) ?? new Set()).add(route.method));
  }
  assert.ok(byUrl.size > 10, `only ${byUrl.size} routes`);
  for (const [url, served] of byUrl) {
    // Fastify answers HEAD wherever GET is served.
    const allowed = [...served, ...(served.has("GET") ? ["HEAD"] : [])].sort();
    const path = fillPath(url, values);
    for (const method of methods.filter((m) => !allowed.includes(m))) {
      const response = await app.inject({ method, url: path });
      assert.equal(response.statusCode, 405, `${method} ${url}: ${response.body}`);
      assert.equal(response.headers.allow, allowed.join(", "), `${method} ${url}: Allow`);
      if (method === "HEAD") continue; // no body, by HTTP's rules
      const error = errorOf(response, `${method} ${url}`);
      assert.equal(error.code, "method_not_allowed");
      assert.deepEqual(error.details?.allowed, allowed);
    }
  }
  // The probes named in the API's own description, to be sure the loop met them.
  const healthz = await app.inject({ method: "POST", url: "/healthz" });
  assert.equal(healthz.statusCode, 405);
  assert.equal(healthz.headers.allow, "GET, HEAD");
});

test(`every route with a body refuses bad JSON, other content types and too large a body in the documented shape, on ${backend}`, async (t) => {
  const { app, deps, routes } = await serverUnderTest(t);
  const added = await app.inject({ method: "POST", url: "/api/tasks", payload: { kind: "noop" } });
  const values = {
    id: String(added.json<{ tasks: EnqueuedTask[] }>().tasks[0]!.id),
    kind: "noop",
    name: "x",
  };
  const withBodies = routes.filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method));
  assert.ok(withBodies.length >= 5, `only ${withBodies.length} routes take a body`);
  const before = await snapshot(deps);
  for (const route of withBodies) {
    const url = fillPath(route.url, values);
    const send = (headers: Record<string, string>, payload: string | Buffer) =>
      app.inject({ method: route.method as "POST", url, headers, payload });
    const what = (probe: string) => `${route.method} ${route.url} with ${probe}`;
    const cases: {
      probe: string;
      headers: Record<string, string>;
      payload: string | Buffer;
      status: number;
      code: string;
      says: RegExp;
    }[] = [
      {
        probe: "malformed JSON",
        headers: { "content-type": "application/json" },
        payload: '{"kind": ',
        status: 400,
        code: "malformed_json",
        says: /not valid JSON/,
      },
      {
        probe: "an empty JSON body",
        headers: { "content-type": "application/json" },
        payload: "",
        status: 400,
        code: "malformed_json",
        says: /empty/,
      },
      {
        probe: "JSON sent as text/plain",
        headers: { "content-type": "text/plain" },
        payload: '{"kind":"noop"}',
        status: 415,
        code: "unsupported_media_type",
        says: /text\/plain is not supported: send the body as JSON, with Content-Type: application\/json/,
      },
      {
        probe: "text/csv",
        headers: { "content-type": "text/csv" },
        payload: "kind\nnoop",
        status: 415,
        code: "unsupported_media_type",
        says: /text\/csv is not supported/,
      },
      {
        probe: "a body without a content type",
        headers: {},
        payload: Buffer.from('{"kind":"noop"}'),
        status: 415,
        code: "unsupported_media_type",
        says: /no Content-Type/,
      },
    ];
    // Stripe's webhook takes the bytes as they come, whatever their type: the signature decides
    // (test/http/stripe-webhook.test.ts), so every probe here is an unsigned delivery.
    const signedBytes = route.url.startsWith("/webhooks/");
    // The expenses import takes a CSV: the probe's CSV is read, and its header refused.
    const takesCsv = route.url === "/api/expenses/import";
    // An FSAR report is text (Markdown or JSON, whatever the type says) that Steward parses
    // itself, naming the line: every probe is a report refused.
    const takesReport = route.url === "/api/fsar";
    for (const c of cases) {
      if (signedBytes)
        Object.assign(c, { status: 400, code: "validation_failed", says: /^Stripe delivery refused: / });
      if (takesReport && c.probe === "malformed JSON")
        Object.assign(c, { code: "validation_failed", says: /line 1, column 10\): not valid JSON/ });
      if (takesReport && c.probe === "an empty JSON body")
        Object.assign(c, { code: "validation_failed", says: /takes a report as its body/ });
      if (takesReport && c.probe === "text/csv")
        Object.assign(c, {
          status: 400,
          code: "validation_failed",
          says: /expected "# FSAR Proposal Report"/,
        });
      if (takesReport && c.probe === "a body without a content type")
        Object.assign(c, {
          status: 400,
          code: "validation_failed",
          says: /expected "fsar_" followed by a UUID/,
        });
      if (takesReport && c.probe === "JSON sent as text/plain")
        Object.assign(c, { status: 400, code: "validation_failed", says: /id/ });
      if (takesCsv && c.probe === "text/csv")
        Object.assign(c, { status: 400, code: "validation_failed", says: /unknown columns kind/ });
      const response = await send(c.headers, c.payload);
      assert.equal(response.statusCode, c.status, `${what(c.probe)}: ${response.body}`);
      const error = errorOf(response, what(c.probe));
      assert.equal(error.code, c.code, what(c.probe));
      assert.match(error.message, c.says, what(c.probe));
    }
    // Bodies beyond a route's limit; the JSON Lines import takes 128 MB, too much to send here.
    const limit = route.bodyLimit ?? defaultBodyLimit;
    if (limit <= 16 * 1024 * 1024) {
      const response = await send({ "content-type": "application/json" }, `"${"x".repeat(limit)}"`);
      assert.equal(response.statusCode, 413, what("too large a body"));
      const error = errorOf(response, what("too large a body"));
      assert.equal(error.code, "body_too_large");
      assert.match(error.message, new RegExp(`\\(${limit.toLocaleString("en-US")} bytes\\)`));
    }
  }
  assert.equal(await snapshot(deps), before, "no refused request changed anything");
});

test(`unknown routes, URLs that do not decode, long parameters and bad query values answer in the documented shape, on ${backend}`, async (t) => {
  const { app } = await serverUnderTest(t);
  for (const [method, url] of [
    ["GET", "/api/nothing-here"],
    ["GET", "/no-such-page"],
    ["POST", "/no-such-page"],
    ["DELETE", "/api"],
  ] as const) {
    const response = await app.inject({ method, url });
    assert.equal(response.statusCode, 404, `${method} ${url}`);
    assert.equal(errorOf(response, `${method} ${url}`).code, "not_found");
  }
  for (const url of ["/api/tasks/%E0", "/api/tasks/%ED%A0%80", "/api/kinds/%/pause"]) {
    const response = await app.inject({ method: url.includes("kinds") ? "POST" : "GET", url });
    assert.equal(response.statusCode, 400, url);
    const error = errorOf(response, url);
    assert.equal(error.code, "url_invalid");
    assert.match(error.message, /%-escape must decode to UTF-8/);
  }
  const long = await app.inject({ method: "GET", url: `/api/tasks/${"1".repeat(150)}` });
  assert.equal(long.statusCode, 414, long.body);
  assert.equal(errorOf(long, "a long path parameter").code, "url_too_long");
  for (const [query, says] of [
    ["limit=abc", /limit: must be a whole number from 1 to 500/],
    ["limit=-1", /limit: must be a whole number from 1 to 500/],
    ["limit=1000000000", /limit: must be from 1 to 500/],
    ["limit=1e9", /limit: must be a whole number from 1 to 500/],
    ["limit=2&limit=3", /limit: /],
    ["colour=red", /unrecognized key|colour/i],
    ["before=0", /before: must be a positive whole number/],
  ] as const) {
    const response = await app.inject({ method: "GET", url: `/api/tasks?${query}` });
    assert.equal(response.statusCode, 400, query);
    const error = errorOf(response, query);
    assert.equal(error.code, "validation_failed");
    assert.match(error.message, says, query);
  }
});

/** Sends raw bytes to the server and reads what it answers until it closes the connection. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

test(`what Node's HTTP server refuses before Fastify (431, bad HTTP) has the documented error body too, on ${backend}`, async (t) => {
  const { app } = await serverUnderTest(t);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  for (const [what, request, status] of [
    ["a 20 KB header", `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Large: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    ["a 20 KB URL", `GET /api/tasks?search=${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ["bytes that are not HTTP", "HELLO THERE\r\n\r\n", 400],
  ] as const) {
    const answer = await rawRequest(port, request);
    const [head, body] = answer.split("\r\n\r\n");
    assert.match(head!, new RegExp(`^HTTP/1\\.1 ${status} `), what);
    assert.match(head!, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i, what);
    const error = (JSON.parse(body!) as { error: { code: string; message: string } }).error;
    assert.deepEqual(Object.keys(error), ["code", "message"], what);
    assert.equal(error.code, status === 431 ? "header_fields_too_large" : "request_invalid", what);
  }
  // The server still answers ordinary requests afterwards.
  const ok = await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(ok, /^HTTP\/1\.1 200 /);
});
