/**
 * What a task's handler may ask of a model, and how a model call fails: the contract between the
 * task engine, which runs handlers (src/tasks/task-kinds.ts), and the model providers, which
 * serve them (src/models/providers/). It lives with the engine so that tasks/ needs nothing of
 * models/. A call never retries: Steward decides what to do after a failure (retry later, cool
 * the model down, fall back to another), from the error's kind.
 */

export interface ModelRequest {
  system?: string;
  prompt: string;
  maxOutputTokens?: number;
  temperature?: number;
  /** Ask for JSON output matching this JSON schema. The text is returned as is; the caller validates it. */
  jsonSchema?: Record<string, unknown>;
  stream?: boolean;
  signal: AbortSignal;
}

export interface ModelResponse {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** stop, length, content-filter, … (the AI SDK's unified reason), or error. */
  finishReason: string;
  latencyMs: number;
  /** The model that answered, as the provider names it (gpt-4o-mini-2024-07-18, sim:…). */
  providerModel: string;
}

export type ProviderErrorKind =
  | "rate_limited"
  | "server_error"
  | "timeout"
  | "aborted"
  | "bad_response"
  | "client_error"
  | "auth"
  | "network";

/** Kinds worth trying again (later, or on another model): the request itself was not at fault. */
const retryableKinds: ReadonlySet<ProviderErrorKind> = new Set([
  "rate_limited",
  "server_error",
  "timeout",
  "network",
]);

const whatHappened: Record<ProviderErrorKind, string> = {
  rate_limited: "rate limited",
  server_error: "server error",
  timeout: "timed out",
  aborted: "aborted by the caller",
  bad_response: "unreadable response",
  client_error: "request refused",
  auth: "authentication refused (check the API key)",
  network: "could not reach the provider",
};

/** How much of the provider's own words an error message carries. */
const detailLimit = 500;

export interface ProviderErrorOptions {
  kind: ProviderErrorKind;
  provider: string;
  model: string;
  status?: number;
  retryAfterMs?: number;
  /** The provider's own words: its error message, its response body. */
  detail?: string;
  /** The API key: every occurrence is removed from the message. */
  secret?: string;
}

/**
 * A failed model call. Its message says what happened and quotes the provider (truncated), with
 * the API key removed, so that it can be logged and stored in `task_attempts.error` as it is. It
 * deliberately carries no `cause`: the AI SDK's errors hold response bodies and headers that may
 * echo the key, and loggers print causes.
 */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly retryable: boolean;
  readonly provider: string;
  readonly model: string;

  constructor(options: ProviderErrorOptions) {
    const { kind, provider, model, status, retryAfterMs, detail, secret } = options;
    const statusText = status === undefined ? "" : ` (HTTP ${status})`;
    const retryText = retryAfterMs === undefined ? "" : `, retry after ${retryAfterMs} ms`;
    const words = detail ? `: ${truncate(scrubSecret(detail.trim(), secret), detailLimit)}` : "";
    const message = `provider "${provider}", model "${model}": ${whatHappened[kind]}${statusText}${retryText}${words}`;
    super(scrubSecret(message, secret));
    this.name = "ProviderError";
    this.kind = kind;
    if (status !== undefined) this.status = status;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
    this.retryable = retryableKinds.has(kind);
    this.provider = provider;
    this.model = model;
  }
}

export function isProviderError(error: unknown, kind?: ProviderErrorKind): error is ProviderError {
  return error instanceof ProviderError && (kind === undefined || error.kind === kind);
}

/**
 * Removes every occurrence of `secret` from `text`. Even a very short key is removed everywhere,
 * though that may mangle the message: a readable message is worth less than a leaked key.
 */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join("[redacted]");
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}
