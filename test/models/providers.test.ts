import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import {
  type ModelConfig,
  modelConfigSchema,
  type ProviderConfig,
  providerConfigSchema,
} from "../../src/models/model-config.ts";
import { parseRetryAfter } from "../../src/models/providers/ai-sdk-client.ts";
import { createModelClient } from "../../src/models/providers/create-model-client.ts";
import { type ModelRequest, ProviderError } from "../../src/models/providers/provider-types.ts";
import {
  delay,
  type FakeModelServer,
  garbage,
  reply,
  startFakeModelServer,
  status,
} from "../support/openai-compatible-server.ts";
import { waitFor } from "../support/wait-for.ts";

const secretKey = "sk-local-7f3a9c1e5b2d4680-secret";

async function serverFor(t: TestContext): Promise<FakeModelServer> {
  const server = await startFakeModelServer();
  t.after(() => server.close());
  return server;
}

function localProvider(server: FakeModelServer, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return providerConfigSchema.parse({
    id: "local",
    type: "openai-compatible",
    baseUrl: server.baseUrl,
    ...overrides,
  });
}

function modelOf(provider: ProviderConfig, model = "test-model"): ModelConfig {
  return modelConfigSchema.parse({ id: `${provider.id}-model`, provider: provider.id, model });
}

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { prompt: "Say hello.", signal: new AbortController().signal, ...overrides };
}

/** The ProviderError a call ends with; fails the test when it succeeds or throws something else. */
async function failure(call: Promise<unknown>): Promise<ProviderError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail("the call succeeded; a ProviderError was expected");
}

/** A provider pointing at the test server with its key in a (fake) environment. */
function keyedClient(server: FakeModelServer) {
  const provider = localProvider(server, { apiKeyEnv: "LOCAL_LLM_KEY" });
  const client = createModelClient(provider, { env: { LOCAL_LLM_KEY: secretKey } });
  return { provider, model: modelOf(provider), client };
}

describe("AI SDK client against a local OpenAI-compatible server", () => {
  it("returns the text and the usage the server reported, and sends the request as asked", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(reply("Hello there.", { inputTokens: 23, outputTokens: 5 }, "test-model-2025-01-01"));

    const response = await client.call(
      modelOf(provider),
      request({ system: "Be brief.", maxOutputTokens: 50, temperature: 0.2 }),
    );

    assert.equal(response.text, "Hello there.");
    assert.equal(response.inputTokens, 23);
    assert.equal(response.outputTokens, 5);
    assert.equal(response.finishReason, "stop");
    assert.equal(response.providerModel, "test-model-2025-01-01");
    assert.ok(response.latencyMs >= 0);
    const [sent] = server.requests;
    assert.equal(sent?.method, "POST");
    assert.equal(sent?.path, "/v1/chat/completions");
    assert.equal(sent?.headers.authorization, undefined, "no key configured, no Authorization header");
    assert.deepEqual(sent?.body, {
      model: "test-model",
      max_tokens: 50,
      temperature: 0.2,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello." },
      ],
    });
  });

  it("collects a streamed answer and reads its usage from the final chunk", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(reply("A streamed answer, in pieces.", { inputTokens: 31, outputTokens: 9 }));

    const response = await client.call(modelOf(provider), request({ stream: true }));

    assert.equal(response.text, "A streamed answer, in pieces.");
    assert.equal(response.inputTokens, 31);
    assert.equal(response.outputTokens, 9);
    assert.equal(response.finishReason, "stop");
    const body = server.requests[0]?.body as { stream?: boolean; stream_options?: unknown };
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  it("counts 0 tokens when the server reports no usage", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(reply("no usage here", null), reply("nor here", null));

    for (const stream of [false, true]) {
      const response = await client.call(modelOf(provider), request({ stream }));
      assert.equal(response.inputTokens, 0, `stream: ${stream}`);
      assert.equal(response.outputTokens, 0, `stream: ${stream}`);
    }
  });

  it("asks for JSON with the schema, leniently, and returns the text unparsed", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    server.script(reply('{"answer": 42}'));

    const response = await client.call(modelOf(provider), request({ jsonSchema: schema }));

    assert.equal(response.text, '{"answer": 42}', "JSON that does not match is the caller's to judge");
    const body = server.requests[0]?.body as { response_format?: unknown };
    assert.deepEqual(body.response_format, {
      type: "json_schema",
      json_schema: { schema, strict: false, name: "response" },
    });
  });

  it("maps a 429 with Retry-After in seconds to rate_limited, retryable after 3000 ms", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    const body = JSON.stringify({ error: { message: "Rate limit reached for requests per minute" } });
    server.script(status(429, { "retry-after": "3", "content-type": "application/json" }, body));

    const error = await failure(client.call(modelOf(provider), request()));

    assert.equal(error.kind, "rate_limited");
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 3000);
    assert.equal(error.retryable, true);
    assert.equal(error.provider, "local");
    assert.equal(error.model, "local-model");
    assert.match(error.message, /rate limited/);
    assert.match(error.message, /Rate limit reached for requests per minute/);
  });

  it("reads Retry-After as an HTTP date, and retry-after-ms before it", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    // The client reads the date against its clock, here one that stands still.
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const client = createModelClient(provider, { now: () => now });
    const inTenSeconds = new Date(now + 10_000).toUTCString();
    server.script(
      status(429, { "retry-after": inTenSeconds }, "slow down"),
      status(429, { "retry-after-ms": "1500", "retry-after": "2" }, "slow down"),
    );

    const byDate = await failure(client.call(modelOf(provider), request()));
    assert.equal(byDate.retryAfterMs, 10_000);
    const byMs = await failure(client.call(modelOf(provider), request({ stream: true })));
    assert.equal(byMs.kind, "rate_limited", "a streamed call fails the same way");
    assert.equal(byMs.retryAfterMs, 1500);
  });

  it("maps a 500 to a retryable server_error quoting the server", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(status(500, { "content-type": "text/plain" }, "upstream model crashed while loading"));

    const error = await failure(client.call(modelOf(provider), request()));

    assert.equal(error.kind, "server_error");
    assert.equal(error.status, 500);
    assert.equal(error.retryable, true);
    assert.match(error.message, /upstream model crashed while loading/);
  });

  it("maps 401 and 403 to auth and other 4xx to client_error, none retryable", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(
      status(401, {}, "who are you"),
      status(403, {}, "not for you"),
      status(404, {}, "no such model: test-model"),
    );

    const kinds = [];
    for (let i = 0; i < 3; i++) {
      const error = await failure(client.call(modelOf(provider), request()));
      assert.equal(error.retryable, false);
      kinds.push([error.kind, error.status]);
    }
    assert.deepEqual(kinds, [
      ["auth", 401],
      ["auth", 403],
      ["client_error", 404],
    ]);
  });

  it("times out after the provider's timeoutMs, and the server sees the client leave", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server, { timeoutMs: 200 });
    const client = createModelClient(provider);
    server.script(delay(30_000));

    const started = Date.now();
    const error = await failure(client.call(modelOf(provider), request()));

    assert.equal(error.kind, "timeout");
    assert.equal(error.retryable, true);
    assert.match(error.message, /200 ms/);
    assert.ok(Date.now() - started < 10_000, "the call did not wait for the server");
    await waitFor(() => server.requests[0]?.clientAborted, {
      timeoutMs: 5_000,
      what: "the server to see the abort",
    });
  });

  it("stops at the caller's abort with kind aborted, not retryable", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(delay(30_000));
    const controller = new AbortController();

    const call = failure(
      client.call(modelOf(provider), request({ signal: controller.signal, stream: true })),
    );
    await waitFor(() => server.requests.length === 1, { timeoutMs: 5_000, what: "the request to arrive" });
    controller.abort();
    const error = await call;

    assert.equal(error.kind, "aborted");
    assert.equal(error.retryable, false);
    await waitFor(() => server.requests[0]?.clientAborted, {
      timeoutMs: 5_000,
      what: "the server to see the abort",
    });
  });

  it("maps an unreadable body to bad_response with the server's own words", async (t) => {
    const server = await serverFor(t);
    const provider = localProvider(server);
    const client = createModelClient(provider);
    server.script(
      garbage("<html>502 the gateway ate your request</html>"),
      garbage("{this is not json at all}"),
      garbage(JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [] })),
    );

    const html = await failure(client.call(modelOf(provider), request()));
    assert.equal(html.kind, "bad_response");
    assert.equal(html.retryable, false);
    assert.match(html.message, /the gateway ate your request/);

    const streamed = await failure(client.call(modelOf(provider), request({ stream: true })));
    assert.equal(streamed.kind, "bad_response");
    assert.match(streamed.message, /this is not json at all/);

    const empty = await failure(client.call(modelOf(provider), request()));
    assert.equal(empty.kind, "bad_response");
    assert.match(empty.message, /choices/);
  });

  it("maps a refused connection to network, retryable", async () => {
    const server = await startFakeModelServer();
    const provider = localProvider(server);
    await server.close();
    const client = createModelClient(provider);

    const error = await failure(client.call(modelOf(provider), request()));

    assert.equal(error.kind, "network");
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it("refuses a model of another provider", async (t) => {
    const server = await serverFor(t);
    const client = createModelClient(localProvider(server));
    const stranger = modelConfigSchema.parse({ id: "stranger", provider: "elsewhere", model: "m" });
    await assert.rejects(client.call(stranger, request()), /belongs to provider "elsewhere"/);
  });
});

describe("API keys", () => {
  it("sends the key from the environment as a bearer token", async (t) => {
    const server = await serverFor(t);
    const { model, client } = keyedClient(server);
    server.script(reply("authorised"));

    await client.call(model, request());

    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${secretKey}`);
  });

  it("never puts the key in an error message, even when the server echoes it", async (t) => {
    const server = await serverFor(t);
    const { model, client } = keyedClient(server);
    const echo = JSON.stringify({ error: { message: `Incorrect API key provided: ${secretKey}` } });
    server.script(
      status(401, { "content-type": "application/json" }, echo),
      status(400, { "content-type": "text/plain" }, `bad request from Bearer ${secretKey}`),
      garbage(`garbage mentioning ${secretKey}`),
      status(429, { "retry-after": "1" }, `slow down, ${secretKey}`),
    );

    const errors = [];
    for (const stream of [false, false, false, true])
      errors.push(await failure(client.call(model, request({ stream }))));

    assert.deepEqual(
      errors.map((error) => error.kind),
      ["auth", "client_error", "bad_response", "rate_limited"],
    );
    for (const error of errors) {
      assert.ok(!error.message.includes(secretKey), error.message);
      assert.ok(!String(error.stack).includes(secretKey), "nor in the stack");
      assert.ok(!JSON.stringify(error).includes(secretKey), "nor in its fields");
      assert.equal(error.cause, undefined, "no cause that could carry the body");
      assert.match(error.message, /\[redacted\]/, "the server's words are kept, the key removed");
    }
  });

  it("fails clearly, naming the variable and the provider, when the variable is not set", () => {
    const provider = providerConfigSchema.parse({
      id: "openrouter",
      type: "openai-compatible",
      baseUrl: "https://openrouter.ai/api/v1",
      apiKeyEnv: "OPENROUTER_API_KEY",
    });
    assert.throws(
      () => createModelClient(provider, { env: { OTHER: "x" } }),
      (error: unknown) =>
        isStewardError(error, "config_invalid") &&
        /OPENROUTER_API_KEY/.test(error.message) &&
        /"openrouter"/.test(error.message),
    );
  });

  it("reads the key from a file, trimmed, and names an unreadable file without quoting anything", async (t) => {
    const folder = await mkdtemp(join(tmpdir(), "steward-keys-"));
    t.after(() => rm(folder, { recursive: true, force: true }));
    const keyFile = join(folder, "key");
    await writeFile(keyFile, `  ${secretKey}\n`);
    const server = await serverFor(t);
    const provider = localProvider(server, { apiKeyFile: keyFile });
    server.script(reply("ok"));

    await createModelClient(provider, { env: {} }).call(modelOf(provider), request());
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${secretKey}`);

    const missing = join(folder, "absent");
    assert.throws(
      () => createModelClient(localProvider(server, { apiKeyFile: missing }), { env: {} }),
      (error: unknown) =>
        isStewardError(error, "config_invalid") &&
        error.message.includes(missing) &&
        error.message.includes("ENOENT") &&
        error.message.includes('"local"'),
    );
  });

  it("requires a key for openai and anthropic, and a baseUrl for openai-compatible", () => {
    for (const type of ["openai", "anthropic"] as const) {
      const provider = providerConfigSchema.parse({ id: `my-${type}`, type });
      assert.throws(
        () => createModelClient(provider, { env: {} }),
        (error: unknown) => isStewardError(error, "config_invalid") && error.message.includes(`"my-${type}"`),
      );
    }
    const noUrl = providerConfigSchema.parse({ id: "ollama", type: "openai-compatible" });
    assert.throws(
      () => createModelClient(noUrl, { env: {} }),
      (error: unknown) => isStewardError(error, "config_invalid") && /"ollama".*baseUrl/.test(error.message),
    );
  });
});

describe("Anthropic client against a local Messages endpoint", () => {
  it("sends the key as x-api-key and reads text and usage", async (t) => {
    const server = await serverFor(t);
    const provider = providerConfigSchema.parse({
      id: "claude",
      type: "anthropic",
      baseUrl: server.baseUrl,
      apiKeyEnv: "ANTHROPIC_KEY_FOR_TEST",
    });
    const client = createModelClient(provider, { env: { ANTHROPIC_KEY_FOR_TEST: secretKey } });
    const model = modelOf(provider, "claude-test");
    const overloaded = JSON.stringify({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    server.script(reply("Bonjour.", { inputTokens: 12, outputTokens: 3 }), status(529, {}, overloaded));

    const response = await client.call(model, request({ system: "Answer in French.", maxOutputTokens: 64 }));

    assert.equal(response.text, "Bonjour.");
    assert.equal(response.inputTokens, 12);
    assert.equal(response.outputTokens, 3);
    assert.equal(response.providerModel, "claude-test");
    const sent = server.requests[0];
    assert.equal(sent?.path, "/v1/messages");
    assert.equal(sent?.headers["x-api-key"], secretKey);
    const body = sent?.body as { system?: unknown; max_tokens?: number; model?: string };
    assert.equal(body.model, "claude-test");
    assert.equal(body.max_tokens, 64);
    assert.match(JSON.stringify(body.system), /Answer in French/);

    const error = await failure(client.call(model, request()));
    assert.equal(error.kind, "server_error");
    assert.equal(error.status, 529);
    assert.match(error.message, /Overloaded/);
  });
});

describe("OpenAI client against a local Responses endpoint", () => {
  it("sends the key as a bearer token and reads text and usage", async (t) => {
    const server = await serverFor(t);
    const provider = providerConfigSchema.parse({
      id: "openai",
      type: "openai",
      baseUrl: server.baseUrl,
      apiKeyEnv: "OPENAI_KEY_FOR_TEST",
    });
    const client = createModelClient(provider, { env: { OPENAI_KEY_FOR_TEST: secretKey } });
    const model = modelOf(provider, "gpt-test");
    server.script(
      reply("Hi.", { inputTokens: 8, outputTokens: 2 }, "gpt-test-2025"),
      status(503, {}, "try later"),
    );

    const response = await client.call(model, request());

    assert.equal(response.text, "Hi.");
    assert.equal(response.inputTokens, 8);
    assert.equal(response.outputTokens, 2);
    assert.equal(response.providerModel, "gpt-test-2025");
    assert.equal(server.requests[0]?.path, "/v1/responses");
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${secretKey}`);

    const error = await failure(client.call(model, request()));
    assert.equal(error.kind, "server_error");
    assert.equal(error.status, 503);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");
  it("reads milliseconds, seconds and dates, and ignores nonsense", () => {
    assert.equal(parseRetryAfter({ "retry-after-ms": "250.4" }, now), 250);
    assert.equal(parseRetryAfter({ "retry-after": "3" }, now), 3000);
    assert.equal(parseRetryAfter({ "retry-after": "0.5" }, now), 500);
    assert.equal(parseRetryAfter({ "retry-after": "Sun, 01 Jun 2025 12:00:07 GMT" }, now), 7000);
    assert.equal(parseRetryAfter({ "retry-after": "Sun, 01 Jun 2025 11:00:00 GMT" }, now), 0, "a past date");
    assert.equal(parseRetryAfter({ "retry-after": "soon" }, now), undefined);
    assert.equal(parseRetryAfter({ "retry-after-ms": "-5", "retry-after": "2" }, now), 2000);
    assert.equal(parseRetryAfter({}, now), undefined);
  });
});
