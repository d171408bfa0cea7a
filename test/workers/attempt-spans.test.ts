import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { getTask } from "../../src/tasks/query-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { version } from "../../src/version.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

type Deps = Awaited<ReturnType<typeof testDeps>>;

// One provider for the whole file: the engine's tracers are made once per module and keep the
// first provider they delegate to (the API's ProxyTracer), so each test clears the exporter.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
before(() => {
  trace.setGlobalTracerProvider(provider);
});
after(async () => {
  trace.disable();
  await provider.shutdown();
});

/** A secret and a prompt that must appear in no span's attributes. */
const secret = "sk-live-0123456789abcdef";
const promptText = "Write one line about lighthouses for the reader";

const kinds: TaskKind[] = [
  {
    name: "metered",
    description: "succeeds and reports usage",
    async run(_task, context) {
      context.reportUsage({ aiModel: "sim-writer", inputTokens: 12, outputTokens: 34, costUsd: 0.5 });
      return { ok: true };
    },
  },
  {
    name: "flaky",
    description: "always fails",
    async run() {
      throw new RangeError(`the numbers were wrong (${secret})`);
    },
  },
  {
    name: "slow",
    description: "runs past its timeout",
    run: (_task, context) =>
      new Promise((_resolve, reject) =>
        context.signal.addEventListener("abort", () => reject(context.signal.reason)),
      ),
  },
];

async function startPool(t: { after: (fn: () => Promise<void>) => void }, deps: Deps) {
  const pool = new WorkerPool(deps, { concurrency: 4, pollMs: 50, heartbeatMs: 100, maintenanceMs: 1_000 });
  await pool.start();
  t.after(() => pool.stop());
  return pool;
}

/** The finished spans, once `ready` holds for them. */
function spansWhen(ready: (spans: ReadableSpan[]) => boolean, what: string): Promise<ReadableSpan[]> {
  return waitFor(
    () => {
      const spans = exporter.getFinishedSpans();
      return ready(spans) ? spans : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

/**
 * Waits until the tasks' last attempts are written. A pool stopped while its last report is being
 * written waits out its drain deadline (30 s; seen with tracing off too), so no test ends before.
 */
async function recorded(deps: Deps, ...ids: number[]): Promise<void> {
  const final = new Set(["succeeded", "failed", "cancelled"]);
  await waitFor(
    async () => {
      for (const id of ids) if (!final.has((await getTask(deps.db, id))?.status ?? "")) return false;
      return true;
    },
    { timeoutMs: 15_000, what: "the tasks' attempts to be recorded" },
  );
}

const attemptOf = (taskId: number) => (span: ReadableSpan) => span.attributes["steward.task.id"] === taskId;

function assertNoSecrets(spans: ReadableSpan[]): void {
  for (const span of spans) {
    const text = JSON.stringify([span.name, span.attributes, span.status, span.events]);
    assert.ok(!text.includes(secret), `span "${span.name}" carries the secret: ${text}`);
    assert.ok(!text.includes("lighthouses"), `span "${span.name}" carries the prompt: ${text}`);
  }
}

describe(`attempt spans on ${backend}`, () => {
  it("records one span per attempt with the task's kind, stage, attempt, usage and outcome; an error status with the error's class", async (t) => {
    exporter.reset();
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db);
    for (const kind of kinds) deps.kinds.register(kind);
    await startPool(t, deps);
    const [metered, flaky, slow] = await enqueueTasks(deps, [
      { kind: "metered", stage: "Implement Ideas" },
      { kind: "flaky", maxAttempts: 2 },
      { kind: "slow", timeoutMs: 50, maxAttempts: 1 },
    ]);
    const spans = await spansWhen(
      (finished) =>
        finished.some(attemptOf(metered!.id)) &&
        finished.filter(attemptOf(flaky!.id)).length === 2 &&
        finished.some(attemptOf(slow!.id)),
      "the attempts' spans",
    );
    await recorded(deps, metered!.id, flaky!.id, slow!.id);

    const ok = spans.find(attemptOf(metered!.id))!;
    assert.equal(ok.name, "task metered");
    assert.equal(ok.kind, SpanKind.INTERNAL);
    assert.equal(ok.parentSpanContext, undefined, "an attempt starts a trace of its own");
    assert.equal(ok.instrumentationScope.name, "steward");
    assert.equal(ok.instrumentationScope.version, version);
    assert.deepEqual(ok.attributes, {
      "steward.task.id": metered!.id,
      "steward.task.kind": "metered",
      "steward.task.stage": "Implement Ideas",
      "steward.task.attempt": 1,
      "steward.outcome": "succeeded",
      "steward.model": "sim-writer",
      "steward.tokens.input": 12,
      "steward.tokens.output": 34,
      "steward.cost_usd": 0.5,
    });
    assert.equal(ok.status.code, SpanStatusCode.UNSET);

    const failures = spans.filter(attemptOf(flaky!.id));
    assert.deepEqual(
      failures.map((span) => span.attributes["steward.task.attempt"]).sort(),
      [1, 2],
      "each attempt has its span",
    );
    for (const span of failures) {
      assert.equal(span.attributes["steward.outcome"], "failed");
      assert.equal(span.attributes["error.type"], "RangeError");
      assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: "RangeError" });
    }
    assert.notEqual(failures[0]!.spanContext().traceId, failures[1]!.spanContext().traceId);

    const timedOut = spans.find(attemptOf(slow!.id))!;
    assert.equal(timedOut.attributes["steward.outcome"], "timed_out");
    assert.deepEqual(timedOut.status, { code: SpanStatusCode.ERROR, message: "TimeoutError" });
    assertNoSecrets(spans);
  });

  it("makes a model call a child span of its attempt, with GenAI attributes and no prompt", async (t) => {
    exporter.reset();
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: oneSimWriter({
        price: { inputPerMTok: 1, outputPerMTok: 2 },
        sim: { baseLatencyMs: 1, perOutputTokenMs: 0, outputTokens: 20, jitter: 0 },
      }),
    });
    await startPool(t, deps);
    const [task] = await enqueueTasks(deps, [
      {
        kind: "llm",
        capabilities: ["writing"],
        payload: { prompt: `${promptText} {{key}}`, variables: { key: secret }, maxOutputTokens: 50 },
      },
    ]);
    const spans = await spansWhen((finished) => finished.some(attemptOf(task!.id)), "the attempt's span");
    await recorded(deps, task!.id);
    const attempt = spans.find(attemptOf(task!.id))!;
    const call = spans.find((span) => span.name === "chat writer");
    assert.ok(call, `no model call span among ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(call.kind, SpanKind.CLIENT);
    assert.equal(call.parentSpanContext?.spanId, attempt.spanContext().spanId);
    assert.equal(call.spanContext().traceId, attempt.spanContext().traceId);
    const input = call.attributes["gen_ai.usage.input_tokens"];
    const output = call.attributes["gen_ai.usage.output_tokens"];
    assert.ok(typeof input === "number" && input > 0, `input tokens: ${input}`);
    assert.ok(typeof output === "number" && output > 0, `output tokens: ${output}`);
    assert.deepEqual(
      {
        ...call.attributes,
        "gen_ai.usage.input_tokens": 0,
        "gen_ai.usage.output_tokens": 0,
        "steward.cost_usd": 0,
      },
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "writer",
        "gen_ai.request.max_tokens": 50,
        "gen_ai.response.model": call.attributes["gen_ai.response.model"],
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 0,
        "gen_ai.usage.output_tokens": 0,
        "steward.model": "sim-writer",
        "steward.provider": "sim",
        "steward.cost_usd": 0,
      },
    );
    const cost = (input * 1 + output * 2) / 1_000_000;
    assert.ok(Math.abs((call.attributes["steward.cost_usd"] as number) - cost) < 1e-12);
    assert.equal(attempt.name, "task llm");
    assert.equal(attempt.attributes["steward.model"], "sim-writer");
    assert.equal(attempt.attributes["steward.tokens.input"], input);
    assert.equal(attempt.attributes["steward.tokens.output"], output);
    assert.equal(attempt.attributes["steward.outcome"], "succeeded");
    assertNoSecrets(spans);
  });

  it("marks a failed model call with the provider error's class", async (t) => {
    exporter.reset();
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: oneSimWriter({ sim: { baseLatencyMs: 1, perOutputTokenMs: 0, failureRate: 1 } }),
    });
    await startPool(t, deps);
    const [task] = await enqueueTasks(deps, [
      { kind: "llm", capabilities: ["writing"], maxAttempts: 1, payload: { prompt: promptText } },
    ]);
    const spans = await spansWhen((finished) => finished.some(attemptOf(task!.id)), "the attempt's span");
    await recorded(deps, task!.id);
    const attempt = spans.find(attemptOf(task!.id))!;
    const call = spans.find((span) => span.parentSpanContext?.spanId === attempt.spanContext().spanId);
    assert.ok(call, "the failed call has its span");
    const errorClass = "ProviderError(server_error)";
    assert.deepEqual(call.status, { code: SpanStatusCode.ERROR, message: errorClass });
    assert.equal(call.attributes["error.type"], errorClass);
    assert.deepEqual(attempt.status, { code: SpanStatusCode.ERROR, message: errorClass });
    assertNoSecrets(spans);
  });
});
