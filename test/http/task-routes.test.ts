import assert from "node:assert/strict";
import http from "node:http";
import type { Readable } from "node:stream";
import { type TestContext, test } from "node:test";
import Fastify from "fastify";
import type { Deps } from "../../src/app/deps.ts";
import { buildServer } from "../../src/http/build-server.ts";
import type { ErrorBody } from "../../src/http/error-handler.ts";
import { TaskEventStream, type TasksEvent } from "../../src/http/task-event-stream.ts";
import type { Jsonified } from "../../src/jsonified.ts";
import type { EnqueuedTask } from "../../src/tasks/enqueue-tasks.ts";
import type { TaskDetail } from "../../src/tasks/query-tasks.ts";
import type { TaskView } from "../../src/tasks/task.ts";
import type { TaskStats } from "../../src/tasks/task-stats.ts";
import type * as Dashboard from "../../web/src/task-api.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

/** A server in process on a fresh, migrated database. `change` adjusts the deps (a smaller config). */
async function steward(t: TestContext, change: (deps: Deps) => Partial<Deps> = () => ({})) {
  const testDb = await createTestDatabase(t);
  const base = await testDeps(testDb.db);
  const deps = { ...base, ...change(base) };
  const app = await buildServer(deps);
  t.after(() => app.close());
  const post = (url: string, payload?: unknown) =>
    app.inject({ method: "POST", url, ...(payload === undefined ? {} : { payload: payload as object }) });
  const get = (url: string) => app.inject({ method: "GET", url });
  const enqueue = async (payload: unknown) => {
    const response = await post("/api/tasks", payload);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ tasks: EnqueuedTask[] }>().tasks;
  };
  /** Rows a refused request must not have touched. */
  const rowCounts = async () =>
    (
      await deps.db.query<{ tasks: number; dependencies: number }>(
        "SELECT (SELECT count(*)::int FROM execution_tasks) AS tasks, (SELECT count(*)::int FROM task_dependencies) AS dependencies",
      )
    ).rows[0]!;
  return { app, deps, post, get, enqueue, rowCounts };
}

/** A queue in every situation the routes tell apart: queued, blocked behind it, succeeded, failed. */
async function stewardWithTasks(t: TestContext) {
  const s = await steward(t);
  const [queued, blocked] = await s.enqueue({
    tasks: [
      { kind: "sleep", ref: "first", stage: "Draft", payload: { ms: 10 } },
      { kind: "noop", ref: "second", dependsOn: ["first"] },
    ],
  });
  const [succeeded, failed] = await s.enqueue({
    tasks: [{ kind: "noop" }, { kind: "noop" }],
  });
  await s.deps.db.query(
    `UPDATE execution_tasks SET status = CASE id WHEN $1 THEN 'succeeded' ELSE 'failed' END, finished_at = now(),
            error = CASE id WHEN $1 THEN NULL ELSE '{"class":"TypeError","message":"model said no"}'::jsonb END
      WHERE id IN ($1, $2)`,
    [succeeded!.id, failed!.id],
  );
  return { ...s, queued: queued!, blocked: blocked!, succeeded: succeeded!, failed: failed! };
}

function problemsOf(body: string): { path: string; message: string }[] {
  const error = (JSON.parse(body) as ErrorBody).error;
  assert.equal(error.code, "validation_failed");
  return error.details?.problems as { path: string; message: string }[];
}

test("POST /api/tasks adds one task: 201 with its id and status; GET /api/tasks/:id shows it", async (t) => {
  const { post, get } = await steward(t);
  const response = await post("/api/tasks", { kind: "sleep", payload: { ms: 300 }, ref: "nap" });
  assert.equal(response.statusCode, 201);
  const [task] = response.json<{ tasks: EnqueuedTask[] }>().tasks;
  assert.deepEqual(
    { ...task, id: undefined },
    {
      index: 0,
      id: undefined,
      ref: "nap",
      status: "queued",
      created: true,
    },
  );

  const detail = await get(`/api/tasks/${task!.id}`);
  assert.equal(detail.statusCode, 200);
  const shown = detail.json<{ task: TaskDetail }>().task;
  assert.equal(shown.kind, "sleep");
  assert.deepEqual(shown.payload, { ms: 300 });
  assert.deepEqual(shown.attemptHistory, []);
  // Compile-time check as well: what the server sends must fit what the dashboard reads.
  const _dashboardView: Dashboard.TaskDetail = shown;
});

test("POST /api/tasks with { tasks } adds many, naming each other by ref", async (t) => {
  const { enqueue, get } = await steward(t);
  const [draft, review] = await enqueue({
    tasks: [
      { kind: "noop", ref: "draft" },
      { kind: "noop", ref: "review", dependsOn: ["draft"] },
    ],
  });
  assert.deepEqual(
    [draft, review].map((task) => [task!.index, task!.ref, task!.status, task!.created]),
    [
      [0, "draft", "queued", true],
      [1, "review", "blocked", true],
    ],
  );
  const detail = (await get(`/api/tasks/${review!.id}`)).json<{ task: TaskDetail }>().task;
  assert.deepEqual(detail.dependsOn, [{ id: draft!.id, status: "queued" }]);
});

test("POST /api/tasks is 200 when every task already existed under its idempotency key", async (t) => {
  const { post } = await steward(t);
  const first = await post("/api/tasks", { kind: "noop", idempotencyKey: "order-17" });
  assert.equal(first.statusCode, 201);
  const again = await post("/api/tasks", { kind: "noop", idempotencyKey: "order-17" });
  assert.equal(again.statusCode, 200);
  const [task] = again.json<{ tasks: EnqueuedTask[] }>().tasks;
  assert.equal(task!.id, first.json<{ tasks: EnqueuedTask[] }>().tasks[0]!.id);
  assert.equal(task!.created, false);
  // One new among known ones is a creation.
  const mixed = await post("/api/tasks", {
    tasks: [
      { kind: "noop", idempotencyKey: "order-17" },
      { kind: "noop", idempotencyKey: "order-18" },
    ],
  });
  assert.equal(mixed.statusCode, 201);
});

test("POST /api/tasks refuses bad tasks with every problem named, and adds nothing", async (t) => {
  const { post, enqueue, rowCounts } = await steward(t, (deps) => ({
    config: { ...deps.config, tasks: { ...deps.config.tasks, maxPayloadBytes: 1_024 } },
  }));
  const [existing] = await enqueue({ kind: "noop" });
  const good = { kind: "noop" };
  const cases: { name: string; body: unknown; path: string; message: RegExp }[] = [
    {
      name: "a sleep payload that is not a number",
      body: { kind: "sleep", payload: { ms: "x" } },
      path: "payload.ms",
      message: /expected number/,
    },
    {
      name: "an unknown kind",
      body: { kind: "paint" },
      path: "kind",
      message: /unknown kind "paint"; known kinds: llm, noop, self_improvement, sleep/,
    },
    {
      name: "a cycle of refs",
      body: {
        tasks: [
          { kind: "noop", ref: "a", dependsOn: ["b"] },
          { kind: "noop", ref: "b", dependsOn: ["a"] },
        ],
      },
      path: "tasks[0].dependsOn",
      message: /cycle: a → b → a/,
    },
    {
      name: "a dependency on a task that does not exist",
      body: { tasks: [good, { kind: "noop", dependsOn: [existing!.id, 987_654] }] },
      path: "tasks[1].dependsOn",
      message: /no task with id 987654/,
    },
    {
      name: "a payload over tasks.maxPayloadBytes",
      body: { tasks: [good, { kind: "noop", payload: { text: "x".repeat(2_000) } }] },
      path: "tasks[1].payload",
      message: /at most 1024 are allowed/,
    },
    {
      name: "an idempotency key with spaces",
      body: { kind: "noop", idempotencyKey: "order 17" },
      path: "idempotencyKey",
      message: /without spaces/,
    },
    {
      name: "an unknown field",
      body: { kind: "noop", colour: "red" },
      path: "task",
      message: /unknown field "colour"; allowed: kind, ref/,
    },
    {
      name: "a body that is not a task",
      body: [good],
      path: "body",
      message: /expected a task object/,
    },
    {
      name: "an empty list",
      body: { tasks: [] },
      path: "tasks",
      message: /at least one task/,
    },
  ];
  const before = await rowCounts();
  for (const { name, body, path, message } of cases) {
    const response = await post("/api/tasks", body);
    assert.equal(response.statusCode, 400, `${name}: ${response.body}`);
    const problem = problemsOf(response.body).find((p) => p.path === path);
    assert.ok(problem, `${name}: no problem at ${path} in ${response.body}`);
    assert.match(problem.message, message, name);
  }
  assert.deepEqual(await rowCounts(), before, "a refused request added rows");
});

test("POST /api/tasks reports every bad task of a bulk request at once", async (t) => {
  const { post, rowCounts } = await steward(t);
  const response = await post("/api/tasks", {
    tasks: [{ kind: "noop" }, { kind: "sleep", payload: {} }, { kind: "noop" }, { kind: "nope" }],
  });
  assert.equal(response.statusCode, 400);
  assert.deepEqual(
    problemsOf(response.body).map((p) => p.path),
    ["tasks[1].payload.ms", "tasks[3].kind"],
  );
  assert.match(response.json<ErrorBody>().error.message, /refused whole; nothing was added/);
  assert.deepEqual(await rowCounts(), { tasks: 0, dependencies: 0 });
});

test("POST /api/tasks accepts a bulk body of several MB, and refuses one over 10 MB", async (t) => {
  const { post, rowCounts } = await steward(t);
  // About 3 MB: above Fastify's default limit of 1 MB.
  const many = Array.from({ length: 2_000 }, (_, i) => ({
    kind: "noop",
    payload: { note: `${i}`.padEnd(1_500) },
  }));
  const accepted = await post("/api/tasks", { tasks: many });
  assert.equal(accepted.statusCode, 201, accepted.body.slice(0, 500));
  assert.equal(accepted.json<{ tasks: EnqueuedTask[] }>().tasks.length, 2_000);

  const huge = Array.from({ length: 7_000 }, () => ({ kind: "noop", payload: { note: "x".repeat(1_500) } }));
  const refused = await post("/api/tasks", { tasks: huge });
  assert.equal(refused.statusCode, 413);
  assert.equal(refused.json<ErrorBody>().error.code, "body_too_large");
  assert.equal((await rowCounts()).tasks, 2_000);
});

test("GET /api/tasks lists newest first, filtered by status, kind, stage and search, paged by before", async (t) => {
  const { get, queued, blocked, succeeded, failed } = await stewardWithTasks(t);
  const ids = async (query: string) => {
    const response = await get(`/api/tasks${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ tasks: TaskView[] }>().tasks.map((task) => task.id);
  };
  assert.deepEqual(await ids(""), [failed.id, succeeded.id, blocked.id, queued.id]);
  assert.deepEqual(await ids("?status=queued,blocked"), [blocked.id, queued.id]);
  assert.deepEqual(await ids("?status=queued&status=failed"), [failed.id, queued.id]);
  assert.deepEqual(await ids("?kind=sleep"), [queued.id]);
  assert.deepEqual(await ids("?stage=Draft"), [queued.id]);
  assert.deepEqual(await ids("?search=model%20said"), [failed.id]);
  assert.deepEqual(await ids(`?search=${blocked.id}`), [blocked.id]);
  assert.deepEqual(await ids(`?before=${succeeded.id}&limit=1`), [blocked.id]);

  const bad = await get("/api/tasks?status=done&limit=0");
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(problemsOf(bad.body), [
    {
      path: "status[0]",
      message: '"done" is no task status; statuses: blocked, queued, running, succeeded, failed, cancelled',
    },
    { path: "limit", message: "must be from 1 to 500" },
  ]);
  assert.equal((await get("/api/tasks?colour=red")).statusCode, 400);
});

test("GET /api/tasks/:id is 404 in JSON for a missing task, 400 for an id that is not one", async (t) => {
  const { get } = await steward(t);
  const missing = await get("/api/tasks/424242");
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), {
    error: {
      code: "not_found",
      message: "There is no task 424242.",
      details: { taskId: 424242 },
    },
  });
  for (const id of ["abc", "0", "-3", "1.5", "99999999999999999999"]) {
    const response = await get(`/api/tasks/${id}`);
    assert.equal(response.statusCode, 400, id);
    assert.deepEqual(
      problemsOf(response.body).map((p) => p.path),
      ["id"],
    );
  }
});

test("POST /api/tasks/:id/cancel cancels a live task; 409 for a finished one, 404 for a missing one", async (t) => {
  const { post, get, queued, blocked, succeeded } = await stewardWithTasks(t);
  const cancelled = await post(`/api/tasks/${queued.id}/cancel`, { reason: "changed my mind" });
  assert.equal(cancelled.statusCode, 200, cancelled.body);
  assert.deepEqual(cancelled.json(), { task: { id: queued.id, from: "queued", to: "cancelled" } });
  const detail = (await get(`/api/tasks/${queued.id}`)).json<{ task: TaskDetail }>().task;
  assert.deepEqual(detail.error, { class: "Cancelled", message: "changed my mind" });
  // Its dependent fails with it (onDependencyFailure defaults to fail).
  assert.equal((await get(`/api/tasks/${blocked.id}`)).json<{ task: TaskDetail }>().task.status, "failed");

  const finished = await post(`/api/tasks/${succeeded.id}/cancel`);
  assert.equal(finished.statusCode, 409);
  assert.deepEqual(finished.json(), {
    error: {
      code: "conflict",
      message: `Task ${succeeded.id} is succeeded; only queued, blocked or running tasks can be cancelled.`,
      details: { taskId: succeeded.id, status: "succeeded", allowed: ["queued", "blocked", "running"] },
    },
  });
  assert.equal((await post("/api/tasks/424242/cancel")).statusCode, 404);
  assert.equal((await post("/api/tasks/x/cancel")).statusCode, 400);
});

test("POST /api/tasks/:id/retry queues a failed task again; 409 for a live one, 404 for a missing one", async (t) => {
  const { post, get, queued, failed, deps } = await stewardWithTasks(t);
  const retried = await post(`/api/tasks/${failed.id}/retry`);
  assert.equal(retried.statusCode, 200, retried.body);
  assert.deepEqual(retried.json(), { task: { id: failed.id, from: "failed", to: "queued" } });
  const detail = (await get(`/api/tasks/${failed.id}`)).json<{ task: TaskDetail }>().task;
  assert.equal(detail.maxAttempts, detail.attempts + deps.config.tasks.defaultMaxAttempts);
  assert.equal(detail.error, null);

  await post(`/api/tasks/${failed.id}/cancel`);
  const withAttempts = await post(`/api/tasks/${failed.id}/retry`, { attempts: 7 });
  assert.equal(withAttempts.statusCode, 200);
  assert.equal(
    (await get(`/api/tasks/${failed.id}`)).json<{ task: TaskDetail }>().task.maxAttempts,
    detail.attempts + 7,
  );

  const live = await post(`/api/tasks/${queued.id}/retry`);
  assert.equal(live.statusCode, 409);
  assert.match(
    live.json<ErrorBody>().error.message,
    /is queued; only failed or cancelled tasks can be retried/,
  );
  assert.equal((await post("/api/tasks/424242/retry")).statusCode, 404);
  const badAttempts = await post(`/api/tasks/${failed.id}/retry`, { attempts: 0 });
  assert.equal(badAttempts.statusCode, 400);
  assert.deepEqual(
    problemsOf(badAttempts.body).map((p) => p.path),
    ["attempts"],
  );
});

test("GET /api/tasks/stats gives live depth by kind and status, paused kinds and the known kinds", async (t) => {
  const { get, post } = await stewardWithTasks(t);
  await post("/api/kinds/sleep/pause", { reason: "model quota spent" });
  const response = await get("/api/tasks/stats");
  assert.equal(response.statusCode, 200);
  const stats = response.json<Jsonified<TaskStats>>();
  assert.deepEqual(stats.depth, [
    { kind: "noop", status: "blocked", count: 1 },
    { kind: "sleep", status: "queued", count: 1 },
  ]);
  assert.deepEqual(
    stats.paused.map((p) => [p.kind, p.reason]),
    [["sleep", "model quota spent"]],
  );
  assert.deepEqual(
    stats.kinds.map((k) => k.name),
    ["llm", "noop", "self_improvement", "sleep", "stripe.process"],
  );
  assert.match(stats.kinds[3]!.description, /Waits payload.ms/);
  const _dashboardView: Dashboard.TaskStats = stats;
});

test("POST /api/kinds/:kind/pause and /resume; an unknown kind is a 400 naming the known ones", async (t) => {
  const { post } = await steward(t);
  const paused = await post("/api/kinds/sleep/pause");
  assert.equal(paused.statusCode, 200);
  assert.deepEqual(
    paused
      .json<{ paused: { kind: string; reason: string | null }[] }>()
      .paused.map((p) => [p.kind, p.reason]),
    [["sleep", null]],
  );
  const resumed = await post("/api/kinds/sleep/resume");
  assert.equal(resumed.statusCode, 200);
  assert.deepEqual(resumed.json(), { paused: [] });

  for (const action of ["pause", "resume"]) {
    const unknown = await post(`/api/kinds/paint/${action}`);
    assert.equal(unknown.statusCode, 400, action);
    assert.deepEqual(problemsOf(unknown.body), [
      {
        path: "kind",
        message: 'unknown kind "paint"; known kinds: llm, noop, self_improvement, sleep, stripe.process',
      },
    ]);
  }
  assert.equal((await post("/api/kinds/sleep/pause", { reason: 5 })).statusCode, 400);
});

test("POST /api/kinds/:kind/resume resumes a kind paused by a process that knows it, though this one does not", async (t) => {
  const { post, deps } = await steward(t);
  await deps.db.query("INSERT INTO task_kind_pauses (kind, reason) VALUES ('transcribe', 'elsewhere')");
  const resumed = await post("/api/kinds/transcribe/resume");
  assert.equal(resumed.statusCode, 200, resumed.body);
  assert.deepEqual(resumed.json(), { paused: [] });
});

/** The events of a server-sent stream, collected as they come. */
function collectEvents(stream: Readable) {
  const events: { event: string; data: unknown }[] = [];
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        frame
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
      );
      if (fields.event) events.push({ event: fields.event, data: JSON.parse(fields.data ?? "null") });
    }
  });
  return events;
}

test("GET /api/events streams the stats and the newest tasks, and ends when the server closes", async (t) => {
  const { app, enqueue, queued } = await stewardWithTasks(t);
  const response = await app.inject({ method: "GET", url: "/api/events", payloadAsStream: true });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers["content-type"]), /^text\/event-stream/);
  const stream = response.stream();
  const ended = new Promise((resolve) => stream.on("end", resolve));
  const events = collectEvents(stream);

  const first = await waitFor(() => events.find((e) => e.event === "tasks"), { what: "a tasks event" });
  const data = first.data as Jsonified<TasksEvent>;
  const _dashboardView: Dashboard.TasksEvent = data;
  assert.equal(data.tasks.length, 4);
  assert.deepEqual(
    data.stats.depth.map((d) => d.kind),
    ["noop", "sleep"],
  );
  assert.ok(!("payload" in data.tasks[0]!), "the list leaves payloads out");

  // A new task is pushed without asking: soon after its NOTIFY, or at the next second.
  const [added] = await enqueue({ kind: "noop", stage: "Pushed" });
  await waitFor(
    () => events.some((e) => e.event === "tasks" && (e.data as TasksEvent).tasks[0]?.id === added!.id),
    { what: "an event with the new task first", timeoutMs: 5_000 },
  );
  assert.ok(queued.id < added!.id);

  await app.close();
  await ended;
});

// On a real socket: inject() cannot hang up on a response, and hanging up is the point here.
test("a task event stream stops reading when its last listener hangs up, and starts again for the next", async (t) => {
  const testDb = await createTestDatabase(t);
  const deps = await testDeps(testDb.db);
  const stream = new TaskEventStream(deps, deps.logger, { intervalMs: 50, minGapMs: 10, newestTasks: 5 });
  const app = Fastify();
  app.get("/events", (_request, reply) => {
    reply.hijack();
    stream.add(reply.raw);
  });
  app.addHook("preClose", () => stream.close());
  t.after(() => app.close());
  const url = await app.listen({ host: "127.0.0.1", port: 0 });

  for (let round = 1; round <= 2; round++) {
    const request = http.get(`${url}/events`);
    const response = await new Promise<http.IncomingMessage>((resolve) => request.on("response", resolve));
    const events = collectEvents(response);
    await waitFor(() => events.length >= 2, { what: `two events in round ${round}` });
    assert.equal(stream.listeners, 1);
    request.destroy();
    await waitFor(() => stream.listeners === 0, { what: "the listener to be dropped" });
  }
});
