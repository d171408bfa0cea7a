import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { type ModelConfig, modelConfigSchema, type SimProfile } from "../../src/models/model-config.ts";
import { createModelClient } from "../../src/models/providers/create-model-client.ts";
import type { ModelRequest, ModelResponse } from "../../src/models/providers/provider-types.ts";
import { ProviderError } from "../../src/models/providers/provider-types.ts";
import { generateJson, mulberry32, SimClient } from "../../src/models/providers/sim-client.ts";

/** A clock that moves only when the simulator sleeps (or the test says so): no real waiting. */
function fakeClock(start = 0) {
  const clock = {
    time: start,
    slept: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number, signal: AbortSignal) => {
      signal.throwIfAborted();
      clock.slept.push(ms);
      clock.time += ms;
    },
  };
  return clock;
}

function simModel(sim: Partial<SimProfile> = {}, id = "sim-small"): ModelConfig {
  return modelConfigSchema.parse({ id, provider: "sim", model: "small", sim });
}

function simClient(clock = fakeClock(), timeoutMs = 120_000) {
  return new SimClient({ provider: "sim", timeoutMs, now: clock.now, sleep: clock.sleep });
}

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { prompt: "Write a short plan.", signal: new AbortController().signal, ...overrides };
}

type Outcome = ModelResponse | { kind: string; status?: number; retryAfterMs?: number };

async function outcome(call: Promise<ModelResponse>): Promise<Outcome> {
  try {
    return await call;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return {
      kind: error.kind,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
}

async function run(client: SimClient, model: ModelConfig, calls: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < calls; i++) outcomes.push(await outcome(client.call(model, request())));
  return outcomes;
}

describe("sim provider", () => {
  it("declares itself in every response", async () => {
    const response = await simClient().call(simModel(), request());
    assert.equal(response.providerModel, "sim:small");
    assert.ok(response.text.startsWith("[simulated]"), response.text);
  });

  it("gives the same results for the same seed and calls, and others for another seed", async () => {
    const profile = { seed: 42, failureRate: 0.2, rateLimitBurstRate: 0.05, rateLimitBurstMs: 1_000 };
    const first = await run(simClient(), simModel(profile), 60);
    const again = await run(simClient(), simModel(profile), 60);
    const otherSeed = await run(simClient(), simModel({ ...profile, seed: 43 }), 60);

    assert.deepEqual(again, first);
    assert.notDeepEqual(otherSeed, first);
    assert.ok(
      first.some((o) => "kind" in o),
      "the profile makes some calls fail",
    );
    assert.ok(
      first.some((o) => "text" in o),
      "and some succeed",
    );
  });

  it("counts input tokens from characters, draws output tokens within ±50%, and caps them", async () => {
    const client = simClient();
    const model = simModel({ outputTokens: 100 });
    const system = "s".repeat(10);
    const prompt = "p".repeat(31);
    for (let i = 0; i < 50; i++) {
      const response = await client.call(model, request({ system, prompt }));
      assert.equal(response.inputTokens, 11, "ceil(41 / 4)");
      assert.ok(response.outputTokens >= 50 && response.outputTokens <= 150, `${response.outputTokens}`);
      assert.equal(response.finishReason, "stop");
    }
    const capped = await client.call(simModel({ outputTokens: 1_000 }), request({ maxOutputTokens: 20 }));
    assert.equal(capped.outputTokens, 20);
    assert.equal(capped.finishReason, "length");
  });

  it("takes the profile's latency, and really waits it on the clock it is given", async () => {
    const clock = fakeClock();
    const client = simClient(clock);
    const model = simModel({ baseLatencyMs: 100, perOutputTokenMs: 2, jitter: 0.1, outputTokens: 50 });
    for (let i = 0; i < 30; i++) {
      const before = clock.time;
      const response = await client.call(model, request());
      const nominal = 100 + 2 * response.outputTokens;
      assert.ok(
        response.latencyMs >= Math.floor(nominal * 0.9) && response.latencyMs <= Math.ceil(nominal * 1.1),
        `latency ${response.latencyMs} for nominal ${nominal}`,
      );
      assert.ok(Math.abs(clock.time - before - response.latencyMs) <= 0.5, "the clock moved by the latency");
    }
  });

  it("drifts from the model's first call on its clock: slower after afterMs", async () => {
    const clock = fakeClock(5_000);
    const client = simClient(clock);
    const drift = { afterMs: 10_000, rampMs: 0, latencyFactor: 10, failureRate: 0 };
    const model = simModel({ baseLatencyMs: 100, perOutputTokenMs: 0, jitter: 0, drift });
    assert.equal((await client.call(model, request())).latencyMs, 100);
    clock.time += 9_800; // 9,900 ms since the first call
    assert.equal((await client.call(model, request())).latencyMs, 100);
    assert.equal((await client.call(model, request())).latencyMs, 1_000, "10,000 ms since the first call");
    const other = simModel({ baseLatencyMs: 100, perOutputTokenMs: 0, jitter: 0, drift }, "sim-other");
    assert.equal(
      (await client.call(other, request())).latencyMs,
      100,
      "another model's clock starts at its own first call",
    );
  });

  it("honours the failure rate over many calls, with 500s", async () => {
    const outcomes = await run(simClient(), simModel({ failureRate: 0.3, seed: 7 }), 2_000);
    const failures = outcomes.filter((o) => "kind" in o);
    const share = failures.length / outcomes.length;
    assert.ok(share > 0.26 && share < 0.34, `failure share ${share}`);
    assert.ok(failures.every((o) => "kind" in o && o.kind === "server_error" && o.status === 500));
    const none = await run(simClient(), simModel({ failureRate: 0, seed: 7 }), 200);
    assert.ok(none.every((o) => "text" in o));
  });

  it("throws retryable ProviderErrors for server errors", async () => {
    const client = simClient();
    const error = await client.call(simModel({ failureRate: 1 }), request()).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.kind, "server_error");
    assert.equal(error.retryable, true);
    assert.equal(error.provider, "sim");
    assert.equal(error.model, "sim-small");
  });

  it("fails every call of a burst at once with 429 for rateLimitBurstMs of clock time", async () => {
    const clock = fakeClock(1_000_000);
    const client = simClient(clock);
    const burstMs = 5_000;
    const model = simModel({
      rateLimitBurstRate: 0.1,
      rateLimitBurstMs: burstMs,
      retryAfterSeconds: 3,
      baseLatencyMs: 100,
      perOutputTokenMs: 0,
      jitter: 0,
      seed: 11,
    });
    const calls: { at: number; limited: boolean }[] = [];
    for (let i = 0; i < 400; i++) {
      const at = clock.time;
      const sleptBefore = clock.slept.length;
      const result = await outcome(client.call(model, request()));
      const limited = "kind" in result && result.kind === "rate_limited";
      if (limited) {
        assert.deepEqual(result, { kind: "rate_limited", status: 429, retryAfterMs: 3_000 });
        assert.equal(clock.slept.length, sleptBefore, "a 429 of a burst comes at once");
      }
      calls.push({ at, limited });
      clock.time = at + 500; // calls start every 500 ms, whether they waited 100 ms or failed at once
    }

    // A burst starts at a 429 outside any running burst; every call within burstMs of its start
    // is limited, and no call outside any burst is.
    const starts: number[] = [];
    for (const call of calls) {
      const inBurst = starts.some((start) => call.at >= start && call.at < start + burstMs);
      if (inBurst) assert.ok(call.limited, `a call ${call.at - starts.at(-1)!} ms into a burst succeeded`);
      else if (call.limited) starts.push(call.at);
    }
    assert.ok(starts.length >= 3, `${starts.length} bursts`);
    assert.ok(
      calls.some((c) => !c.limited),
      "calls between bursts succeed",
    );
    // Bursts that the run's end cuts short are not counted.
    const end = calls.at(-1)!.at;
    const burstLengths = starts
      .filter((start) => start + burstMs <= end)
      .map((start) => calls.filter((c) => c.at >= start && c.at < start + burstMs).length);
    assert.ok(
      burstLengths.every((n) => n === 10),
      `each burst spans 5000 ms of calls 500 ms apart: ${burstLengths}`,
    );
  });

  it("stops at the caller's abort while it waits, with real timers by default", async () => {
    const client = new SimClient({ provider: "sim", timeoutMs: 600_000 });
    const controller = new AbortController();
    const started = Date.now();
    const call = outcome(
      client.call(simModel({ baseLatencyMs: 60_000 }), request({ signal: controller.signal })),
    );
    setImmediate(() => controller.abort());
    assert.deepEqual(await call, { kind: "aborted" });
    assert.ok(Date.now() - started < 5_000, "the abort did not wait for the latency");

    const already = new AbortController();
    already.abort();
    assert.deepEqual(await outcome(client.call(simModel(), request({ signal: already.signal }))), {
      kind: "aborted",
    });
  });

  it("times out after the provider's timeoutMs of clock time when the answer would take longer", async () => {
    const clock = fakeClock();
    const client = simClient(clock, 1_000);
    const result = await outcome(client.call(simModel({ baseLatencyMs: 5_000, jitter: 0 }), request()));
    assert.deepEqual(result, { kind: "timeout" });
    assert.equal(clock.time, 1_000);
  });

  it("answers JSON satisfying the schema it is given, the same for the same seed", async () => {
    const schema = {
      type: "object",
      properties: {
        title: { type: "string", minLength: 3, maxLength: 40 },
        score: { type: "number", minimum: 0, maximum: 1 },
        steps: { type: "integer", minimum: 1, maximum: 9 },
        done: { type: "boolean" },
        tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 4 },
        priority: { enum: ["low", "medium", "high"] },
        owner: {
          type: "object",
          properties: {
            email: { type: "string", format: "email" },
            since: { type: "string", format: "date" },
          },
          required: ["email"],
          additionalProperties: false,
        },
        note: { type: ["string", "null"] },
      },
      required: ["title", "score", "steps", "done", "tags", "priority", "owner"],
      additionalProperties: false,
    };
    const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    const texts: string[] = [];
    const client = simClient();
    for (let i = 0; i < 40; i++) {
      const response = await client.call(simModel(), request({ jsonSchema: schema }));
      validator.parse(JSON.parse(response.text));
      texts.push(response.text);
    }
    const again = simClient();
    for (const text of texts)
      assert.equal((await again.call(simModel(), request({ jsonSchema: schema }))).text, text);
    assert.ok(new Set(texts).size > 30, "the answers vary from call to call");
  });

  it("is what createModelClient makes of a sim provider", async () => {
    const clock = fakeClock();
    const client = createModelClient(
      { id: "sim", type: "sim", timeoutMs: 120_000 },
      { now: clock.now, sleep: clock.sleep },
    );
    const response = await client.call(
      simModel({ baseLatencyMs: 250, perOutputTokenMs: 0, jitter: 0 }),
      request(),
    );
    assert.equal(response.latencyMs, 250);
    assert.equal(clock.time, 250);
  });
});

describe("generateJson", () => {
  it("honours bounds, enums, consts and nullable types", () => {
    const random = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      const n = generateJson({ type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 3 }, random);
      assert.ok(n === 1 || n === 2, String(n));
      const x = generateJson({ type: "number", minimum: -1.5, maximum: -1 }, random) as number;
      assert.ok(x >= -1.5 && x <= -1, String(x));
      assert.equal(generateJson({ const: "fixed" }, random), "fixed");
      assert.ok([1, "two", null].includes(generateJson({ enum: [1, "two", null] }, random) as never));
      const s = generateJson({ type: "string", maxLength: 5 }, random) as string;
      assert.ok(s.length <= 5);
    }
  });
});
