import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import {
  AISDKError,
  APICallError,
  EmptyResponseBodyError,
  generateText,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  type JSONSchema7,
  type LanguageModel,
  type LanguageModelUsage,
  NoContentGeneratedError,
  NoOutputGeneratedError,
  Output,
  RetryError,
  streamText,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from "ai";
import { StewardError } from "../../errors.ts";
import type { ModelConfig, ProviderConfig } from "../model-config.ts";
import {
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  ProviderError,
  type ProviderErrorKind,
} from "./provider-types.ts";

/**
 * A ModelClient for real providers, through the AI SDK: `openai-compatible` (any server speaking
 * OpenAI's chat completions), `openai` (OpenAI's Responses API, the SDK's default for it) and
 * `anthropic` (the Messages API).
 *
 * The SDK never retries (`maxRetries: 0`): Steward retries itself, after a backoff, maybe on
 * another model, and counts every attempt. Each call is aborted by the caller's signal or by the
 * provider's `timeoutMs`, and every failure becomes a ProviderError whose kind says what to do.
 */

type AiSdkProviderType = "openai-compatible" | "openai" | "anthropic";

export interface AiSdkClientOptions {
  /** Resolved by src/models/providers/api-keys.ts; undefined for servers without auth. */
  apiKey?: string;
  /** The clock a Retry-After given as an HTTP date is read against (epoch ms); Date.now by default. */
  now?: () => number;
}

export class AiSdkClient implements ModelClient {
  readonly #provider: ProviderConfig;
  readonly #apiKey: string | undefined;
  readonly #languageModel: (modelName: string) => LanguageModel;
  readonly #now: () => number;

  constructor(provider: ProviderConfig, options: AiSdkClientOptions = {}) {
    this.#provider = provider;
    this.#apiKey = options.apiKey;
    this.#now = options.now ?? Date.now;
    this.#languageModel = languageModelFactory(provider, options.apiKey);
  }

  async call(model: ModelConfig, request: ModelRequest): Promise<ModelResponse> {
    if (model.provider !== this.#provider.id) {
      throw new Error(
        `Model "${model.id}" belongs to provider "${model.provider}", not to "${this.#provider.id}": ` +
          `call it through its own provider's client.`,
      );
    }
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException(`timed out after ${this.#provider.timeoutMs} ms`, "TimeoutError")),
      this.#provider.timeoutMs,
    );
    const signal = AbortSignal.any([request.signal, timeout.signal]);
    // A duration, not a time: the monotonic timer, which no clock change moves.
    const startedAt = performance.now();
    try {
      const outcome = request.stream
        ? await this.#stream(model, request, signal)
        : await this.#generate(model, request, signal);
      return { ...outcome, latencyMs: Math.round(performance.now() - startedAt) };
    } catch (error) {
      throw this.#toProviderError(error, model, {
        aborted: request.signal.aborted,
        timedOut: timeout.signal.aborted,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async #generate(model: ModelConfig, request: ModelRequest, signal: AbortSignal) {
    const result = await generateText(this.#callSettings(model, request, signal));
    return {
      text: result.text,
      ...tokens(result.totalUsage),
      finishReason: result.finishReason,
      providerModel: result.response.modelId || model.model,
    };
  }

  async #stream(model: ModelConfig, request: ModelRequest, signal: AbortSignal) {
    const result = streamText({
      ...this.#callSettings(model, request, signal),
      // The default handler prints the error to the console, response body (maybe echoing the key)
      // included. Errors arrive below as `error` parts instead.
      onError: () => {},
    });
    let text = "";
    let providerModel = model.model;
    let finish: { finishReason: string; totalUsage: LanguageModelUsage } | undefined;
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "finish-step") providerModel = part.response.modelId || providerModel;
      else if (part.type === "finish") finish = part;
      else if (part.type === "error") throw part.error;
    }
    // An aborted stream ends without an error part; the signal says why.
    signal.throwIfAborted();
    if (finish === undefined) {
      throw new NoOutputGeneratedError({ message: "the stream ended before its finish event" });
    }
    return { text, ...tokens(finish.totalUsage), finishReason: finish.finishReason, providerModel };
  }

  #callSettings(model: ModelConfig, request: ModelRequest, signal: AbortSignal) {
    return {
      model: this.#languageModel(model.model),
      system: request.system,
      prompt: request.prompt,
      maxOutputTokens: request.maxOutputTokens,
      temperature: request.temperature,
      ...(request.jsonSchema === undefined ? {} : jsonOutput(this.#provider, request.jsonSchema)),
      maxRetries: 0,
      abortSignal: signal,
    };
  }

  #toProviderError(
    error: unknown,
    model: ModelConfig,
    signals: { aborted: boolean; timedOut: boolean },
  ): unknown {
    if (error instanceof ProviderError) return error;
    const base = { provider: this.#provider.id, model: model.id, secret: this.#apiKey };
    // The signals decide, whatever the SDK threw on its way out (AbortError, a wrapped
    // "terminated", NoOutputGeneratedError, …). The caller's own abort wins over a timeout.
    if (signals.aborted) return new ProviderError({ ...base, kind: "aborted" });
    if (signals.timedOut) {
      return new ProviderError({
        ...base,
        kind: "timeout",
        detail: `no complete answer within ${this.#provider.timeoutMs} ms (the provider's timeoutMs)`,
      });
    }
    const failure = classifyError(error, this.#now());
    if (failure === undefined) return error;
    return new ProviderError({ ...base, ...failure });
  }
}

function languageModelFactory(
  provider: ProviderConfig,
  apiKey: string | undefined,
): (modelName: string) => LanguageModel {
  const type = provider.type as AiSdkProviderType;
  switch (type) {
    case "openai-compatible": {
      if (provider.baseUrl === undefined) {
        throw new StewardError(
          "config_invalid",
          `Provider "${provider.id}" (type openai-compatible) needs a baseUrl: the server's OpenAI-compatible ` +
            `API root, such as http://localhost:11434/v1 for Ollama or https://openrouter.ai/api/v1.`,
          { details: { provider: provider.id } },
        );
      }
      const compatible = createOpenAICompatible({
        name: provider.id,
        baseURL: provider.baseUrl,
        apiKey,
        // Without it a streamed answer carries no usage, and its tokens would count as 0.
        includeUsage: true,
        // Send the JSON schema itself (response_format json_schema), which vLLM, llama.cpp,
        // Ollama and OpenRouter accept; without it only "some JSON" (json_object) is asked for.
        supportsStructuredOutputs: true,
      });
      return (modelName) => compatible.chatModel(modelName);
    }
    case "openai": {
      const openai = createOpenAI({
        apiKey,
        baseURL: provider.baseUrl,
      });
      return (modelName) => openai(modelName);
    }
    case "anthropic": {
      const anthropic = createAnthropic({
        apiKey,
        baseURL: provider.baseUrl,
      });
      return (modelName) => anthropic(modelName);
    }
    default: {
      const unknown: never = type;
      throw new Error(`The AI SDK client does not serve providers of type "${unknown}"`);
    }
  }
}

/**
 * Asks for JSON matching the schema, but returns the text unparsed: the SDK's `Output.object`
 * would throw on JSON that does not match, losing the usage of a call that was paid for. The
 * caller validates. Strict mode is off for OpenAI (and servers copying it), which refuses in strict
 * mode any schema with an optional property.
 */
function jsonOutput(provider: ProviderConfig, schema: Record<string, unknown>) {
  const text = Output.text();
  const output: Output.Output<string, string, never> = {
    ...text,
    name: "json-text",
    responseFormat: Promise.resolve({ type: "json", schema: schema as JSONSchema7 }),
  };
  const lenient = { strictJsonSchema: false };
  const providerOptions =
    provider.type === "openai"
      ? { openai: lenient }
      : provider.type === "openai-compatible"
        ? { [provider.id]: lenient }
        : undefined;
  return { output, ...(providerOptions === undefined ? {} : { providerOptions }) };
}

/**
 * Tokens as the provider reported them. A provider that reports no usage (some openai-compatible
 * servers, or a stream cut before its last chunk) gives 0: Steward records what was reported and
 * does not guess, so such a model's cost reads as zero rather than as an invented number.
 */
function tokens(usage: LanguageModelUsage): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 };
}

/** What classifyError makes of an error: the fields of a ProviderError. */
export interface ProviderFailure {
  kind: ProviderErrorKind;
  status?: number;
  retryAfterMs?: number;
  detail?: string;
}

/** Node's and undici's codes for a connection that failed or broke. */
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * What an AI SDK error means for Steward, or undefined for an error that is not the provider's
 * (a bug of ours), which is rethrown as it is.
 */
export function classifyError(error: unknown, now: number = Date.now()): ProviderFailure | undefined {
  if (RetryError.isInstance(error)) return classifyError(error.lastError, now);
  if (APICallError.isInstance(error)) return classifyApiCallError(error, now);
  const networkCode = findNetworkCode(error);
  if (networkCode !== undefined) {
    return { kind: "network", detail: `${(error as Error).message} (${networkCode})` };
  }
  if (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error) ||
    NoOutputGeneratedError.isInstance(error)
  ) {
    return { kind: "bad_response", detail: describeBadResponse(error) };
  }
  if (InvalidPromptError.isInstance(error) || UnsupportedFunctionalityError.isInstance(error)) {
    return { kind: "client_error", detail: error.message };
  }
  if (AISDKError.isInstance(error)) return { kind: "bad_response", detail: describeBadResponse(error) };
  return undefined;
}

function classifyApiCallError(error: APICallError, now: number): ProviderFailure {
  const status = error.statusCode;
  const detail = providerWords(error.message, error.responseBody);
  if (status === undefined) return { kind: "network", detail };
  const withStatus = { status, detail };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(error.responseHeaders ?? {}, now);
    return { kind: "rate_limited", ...withStatus, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status >= 500) {
    // 503s often say when to come back too.
    const retryAfterMs = parseRetryAfter(error.responseHeaders ?? {}, now);
    return { kind: "server_error", ...withStatus, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status === 401 || status === 403) return { kind: "auth", ...withStatus };
  if (status >= 400) return { kind: "client_error", ...withStatus };
  // A 2xx (or 3xx) whose body could not be read as the API's answer ("Invalid JSON response").
  return { kind: "bad_response", ...withStatus };
}

/** The SDK's message, and the body when it says more (a garbage body, an HTML error page). */
function providerWords(message: string, body: string | undefined): string {
  const trimmed = body?.trim();
  if (!trimmed || message.includes(trimmed)) return message;
  return `${message}; response body: ${trimmed}`;
}

function describeBadResponse(error: AISDKError): string {
  // JSONParseError keeps the unparseable text, which says more than the parser's complaint.
  if (JSONParseError.isInstance(error)) return providerWords(error.message, error.text);
  if (InvalidResponseDataError.isInstance(error)) {
    return providerWords(error.message, safeJson(error.data));
  }
  if (TypeValidationError.isInstance(error)) return providerWords(error.message, safeJson(error.value));
  return error.message;
}

function safeJson(value: unknown): string | undefined {
  try {
    return typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function findNetworkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string" && networkCodes.has(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * When the provider asks to be called again, in ms from `now`: `retry-after-ms` (OpenAI's), else
 * `retry-after` in seconds or as an HTTP date (RFC 9110 §10.2.3). Header names are lower case,
 * as the AI SDK hands them over. Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  headers: Record<string, string>,
  now: number = Date.now(),
): number | undefined {
  const ms = headers["retry-after-ms"];
  if (ms !== undefined && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = headers["retry-after"]?.trim();
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
