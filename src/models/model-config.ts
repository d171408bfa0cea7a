import { z } from "zod";

/**
 * The `providers`, `models` and `prices` sections of Steward's configuration. A model is an
 * endpoint Steward may send a task to: which provider serves it, what it can do, what it costs
 * and how much of it may be used. Limits and budgets hold across every worker (they are enforced
 * through the database, src/models/model-limits.ts).
 */

const id = (what: string) =>
  z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._:/-]{0,99}$/,
      `${what}: 1–100 lowercase letters, digits and . _ : / -, starting with a letter or digit`,
    );

/**
 * A simulated model's drift: from `afterMs` after the simulator's first call to the model (in this
 * process), its latency is multiplied by `latencyFactor` and its share of server errors becomes
 * `failureRate`; at once (a step) or, with `rampMs`, rising linearly over that time; with
 * `untilMs`, it is itself again from then on (a recovery, which lets alerts resolve). Only the
 * `sim` provider reads it: a profile is refused on any other provider (model-registry.ts).
 */
export const simDriftSchema = z
  .strictObject({
    afterMs: z.number().int().min(0).max(86_400_000),
    rampMs: z.number().int().min(0).max(86_400_000).default(0),
    latencyFactor: z.number().min(1).max(100).default(1),
    /** The failure rate once fully drifted; the profile's own failureRate when left out. */
    failureRate: z.number().min(0).max(1).optional(),
    /** When (after the first call, like afterMs) the model recovers; it stays drifted when left out. */
    untilMs: z.number().int().min(1).max(86_400_000).optional(),
  })
  .refine((d) => d.untilMs === undefined || d.untilMs > d.afterMs + d.rampMs, {
    path: ["untilMs"],
    message: "must be later than afterMs + rampMs: the drift ends after it has happened",
  });
export type SimDrift = z.output<typeof simDriftSchema>;

/** Behaviour of a `sim` model: the declared simulator, for demos, tests and benchmarks. */
export const simProfileSchema = z.strictObject({
  /** Time to first token, and per output token (latency grows with tokens). */
  baseLatencyMs: z.number().min(0).max(600_000).default(200),
  perOutputTokenMs: z.number().min(0).max(10_000).default(2),
  /** Spread of latency: each call is multiplied by a factor in [1 − jitter, 1 + jitter]. */
  jitter: z.number().min(0).max(1).default(0.2),
  /** Output tokens: mean and spread of a call's output length. */
  outputTokens: z.number().int().min(1).max(1_000_000).default(400),
  /** Share of calls that fail with a server error (500). */
  failureRate: z.number().min(0).max(1).default(0),
  /** Bursts of 429: how often one starts (per call) and how long it lasts. */
  rateLimitBurstRate: z.number().min(0).max(1).default(0),
  rateLimitBurstMs: z.number().int().min(0).max(3_600_000).default(5_000),
  /** Seconds announced in Retry-After during a burst. */
  retryAfterSeconds: z.number().min(0).max(3_600).default(2),
  /** A scheduled worsening (sim-outcome.ts, simDrift): the model slows down and fails more. */
  drift: simDriftSchema.optional(),
  /** Seed of the simulator's random numbers: the same seed gives the same calls. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
});
export type SimProfile = z.output<typeof simProfileSchema>;

export const providerConfigSchema = z.strictObject({
  id: id("provider id"),
  /**
   * openai-compatible: any server speaking OpenAI's chat completions (OpenRouter, vLLM, Ollama,
   * llama.cpp server, …); openai and anthropic: their own APIs; sim: the simulator.
   */
  type: z.enum(["openai-compatible", "openai", "anthropic", "sim"]),
  baseUrl: z.url().optional(),
  /** Name of the environment variable holding the API key. Keys are never written in config. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name, such as OPENAI_API_KEY")
    .optional(),
  /** Or a file holding only the key (a mounted secret). */
  apiKeyFile: z.string().min(1).optional(),
  /** Longest wait for one request, in ms. */
  timeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
});
export type ProviderConfig = z.output<typeof providerConfigSchema>;

const priceSchema = z.strictObject({
  /** US dollars per million input tokens, and per million output tokens. */
  inputPerMTok: z.number().min(0).max(100_000),
  outputPerMTok: z.number().min(0).max(100_000),
});
export type Price = z.output<typeof priceSchema>;

/**
 * Price tables are versioned data: each has a version and the date from which it applies. The
 * price of a model at a moment is its entry in the newest table in effect then; a model may
 * instead give its price inline.
 */
export const priceTableSchema = z.strictObject({
  version: z.string().min(1).max(50),
  effectiveFrom: z.iso.date(),
  /** `provider/model` (the provider's id and its model name) → price. */
  prices: z.record(z.string().min(1), priceSchema),
});
export type PriceTable = z.output<typeof priceTableSchema>;

export const modelConfigSchema = z.strictObject({
  /** Steward's name for the model: what `ai_model` holds. */
  id: id("model id"),
  provider: id("provider id"),
  /** The provider's name for the model (gpt-4o-mini, claude-sonnet-4-5, llama3.1:8b, …). */
  model: z.string().min(1).max(200),
  /** Skill → level 0–10 (code: 8, reasoning: 6, writing: 7, …). A task requiring a skill needs level ≥ 1. */
  capabilities: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/), z.number().int().min(0).max(10))
    .default({}),
  /** Hardest task (complexity 0–10) this model is given. */
  maxComplexity: z.number().int().min(0).max(10).default(10),
  contextWindow: z.number().int().min(256).max(100_000_000).default(128_000),
  /** Inline price; otherwise the price tables' entry for provider/model. */
  price: priceSchema.optional(),
  /** Requests at once, across all workers. */
  concurrency: z.number().int().min(1).max(100_000).default(4),
  requestsPerMinute: z.number().int().min(1).max(10_000_000).optional(),
  tokensPerMinute: z.number().int().min(1).max(10_000_000_000).optional(),
  /** Spend caps in US dollars (calendar day and month, UTC). */
  dailyBudgetUsd: z.number().min(0).optional(),
  monthlyBudgetUsd: z.number().min(0).optional(),
  /** Models to prefer when this one is cooling down after a 429 or a server error, in order. */
  fallback: z.array(id("model id")).default([]),
  enabled: z.boolean().default(true),
  tags: z.array(z.string().min(1).max(50)).default([]),
  /** For models of a `sim` provider: how the simulator behaves. */
  sim: simProfileSchema.optional(),
});
export type ModelConfig = z.output<typeof modelConfigSchema>;

/** Budgets for groups of models: a provider, or an idea (its tasks' spend, on every model). */
export const budgetSchema = z.strictObject({
  scope: z.enum(["provider", "idea"]),
  /** The provider's id, or the idea's key. */
  id: z.string().min(1).max(200),
  dailyUsd: z.number().min(0).optional(),
  monthlyUsd: z.number().min(0).optional(),
});
export type BudgetConfig = z.output<typeof budgetSchema>;
