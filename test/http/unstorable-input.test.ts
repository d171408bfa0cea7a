import assert from "node:assert/strict";
import { test } from "node:test";
import type { EnqueuedTask } from "../../src/tasks/enqueue-tasks.ts";
import { backend } from "../support/test-database.ts";
import {
  bodySchema,
  errorOf,
  fillPath,
  type JsonSchema,
  pathParams,
  sample,
  serverUnderTest,
  snapshot,
} from "./route-probes.ts";

const nul = "\u0000";
const loneSurrogate = "\ud800";
/** What the refusal says of the value: what PostgreSQL cannot store, or, for a name, the known ones. */
const badText = /U\+0000|lone surrogate|levels deep|known \w+: /;

/** JSON `{"a":{"a":…1}}`, `levels` deep, as text: JSON.stringify itself overflows on such a value. */
function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** Marks a part of a body that is JSON text already. */
class Json {
  constructor(readonly text: string) {}
}

/** The body as JSON text, with Json parts put in as they are. */
function bodyText(body: unknown): string {
  const parts: string[] = [];
  const text = JSON.stringify(body, (_key, value) => {
    if (!(value instanceof Json)) return value;
    parts.push(value.text);
    return `\u0001json${parts.length - 1}\u0001`;
  });
  return text.replace(/"\\u0001json(\d+)\\u0001"/g, (_m, i: string) => parts[Number(i)]!);
}

interface Probe {
  what: string;
  method: string;
  url: string;
  body?: unknown;
  /** Where the refusal must point: a problem whose path starts with this (or mentions it). */
  field?: string;
}

/** Bad values for one body field, by what the field is. */
function fieldProbes(name: string, schema: JsonSchema): { value: unknown; field: string }[] {
  const type = [schema.type ?? "any"].flat()[0];
  const texts = [`a${nul}b`, `a${loneSurrogate}b`];
  if (type === "string") return texts.map((value) => ({ value, field: name }));
  if (type === "array" && [schema.items?.type].flat()[0] === "string")
    return texts.map((value) => ({ value: [value], field: name }));
  if (type === "any")
    return [
      { value: { note: `a${nul}b` }, field: name },
      { value: { [`k${loneSurrogate}`]: 1 }, field: name },
      { value: new Json(nestedJson(5_000)), field: name },
    ];
  return [];
}

test(`every route refuses text PostgreSQL cannot store and nesting too deep, with a 400 and nothing written, on ${backend}`, async (t) => {
  const { app, deps, routes, documented } = await serverUnderTest(t);
  const added = await app.inject({ method: "POST", url: "/api/tasks", payload: { kind: "noop" } });
  const task = added.json<{ tasks: EnqueuedTask[] }>().tasks[0]!;
  // Path parameters that must be valid while another part of the request is probed.
  const validParams: Record<string, string> = {
    id: String(task.id),
    kind: "noop",
    name: "ai-model-from-attempts",
    report: "fsar_00000000-0000-4000-8000-000000000000",
  };

  const probes: Probe[] = [];
  for (const route of routes) {
    if (route.url.includes("*")) continue;
    const params = pathParams(route.url);
    for (const param of params)
      probes.push({
        what: `${route.method} ${route.url} with ${param} = NUL`,
        method: route.method,
        url: fillPath(route.url, { ...validParams, [param]: "%00" }),
        field: param,
      });
    const operation = documented.get(`${route.method} ${route.url}`);
    const valid = fillPath(route.url, validParams);
    for (const query of operation?.parameters.filter((p) => p.in === "query") ?? [])
      probes.push({
        what: `${route.method} ${route.url}?${query.name}=NUL`,
        method: route.method,
        url: `${valid}?${query.name}=a%00b`,
        field: query.name,
      });
    const body = bodySchema(operation);
    if (body === undefined) continue;
    const base = sample(body) as Record<string, unknown>;
    for (const [name, schema] of Object.entries(body.properties ?? {}))
      for (const { value, field } of fieldProbes(name, schema))
        probes.push({
          what: `${route.method} ${route.url} with body ${name} = ${bodyText(value).slice(0, 40)}`,
          method: route.method,
          url: valid,
          body: { ...base, [name]: value },
          field,
        });
    probes.push(
      {
        what: `${route.method} ${route.url}: a field named with NUL`,
        method: route.method,
        url: valid,
        body: { ...base, [`x${nul}`]: 1 },
      },
      {
        what: `${route.method} ${route.url}: a body 5,000 levels deep`,
        method: route.method,
        url: valid,
        body: new Json(nestedJson(5_000)),
      },
    );
  }
  // The fields of a task named in the task API's documentation, a few levels down.
  for (const payload of [{ a: [{ b: `x${nul}` }] }, { a: { [`k${nul}`]: true } }, { a: `x${loneSurrogate}` }])
    probes.push({
      what: `a task payload ${JSON.stringify(payload)}`,
      method: "POST",
      url: "/api/tasks",
      body: { kind: "noop", payload },
      field: "payload.a",
    });
  probes.push({
    what: "the third task of a request",
    method: "POST",
    url: "/api/tasks",
    body: { tasks: [{ kind: "noop" }, { kind: "noop" }, { kind: "noop", stage: `s${nul}` }] },
    field: "tasks[2].stage",
  });
  assert.ok(probes.length > 40, `only ${probes.length} probes: is the API description served?`);

  const before = await snapshot(deps);
  for (const probe of probes) {
    const response = await app.inject({
      method: probe.method as "POST",
      url: probe.url,
      ...(probe.body === undefined
        ? {}
        : { payload: bodyText(probe.body), headers: { "content-type": "application/json" } }),
    });
    const error = errorOf(response, probe.what);
    // Routes that need the process's local token refuse before they read anything.
    if (response.statusCode === 403 && error.code === "not_permitted") continue;
    assert.equal(response.statusCode, 400, `${probe.what}: ${response.body}`);
    const problems = error.details?.problems ?? [];
    if (probe.field !== undefined)
      assert.ok(
        error.message.includes(probe.field) ||
          problems.some((p) => p.path.startsWith(probe.field!) || p.message.includes(probe.field!)),
        `${probe.what}: no problem names ${probe.field}: ${response.body}`,
      );
    if (probe.field !== undefined && probe.body !== undefined)
      assert.match(
        `${error.message} ${JSON.stringify(problems)}`,
        badText,
        `${probe.what}: says what is wrong with the value`,
      );
    assert.equal(await snapshot(deps), before, `${probe.what} changed the database`);
  }
});
