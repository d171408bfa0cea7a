import { stream, uniformInt } from "../random.ts";
import { buildPool, type PoolEntry, type SimModel } from "../sim-models.ts";

/**
 * The trace world's pool: five models modelled on public offerings and their 2025 list prices
 * (US dollars per million input / output tokens), none of them a real model:
 *
 * - trace-small: a cheap, fast small model, priced like Gemini 2.0 Flash-Lite ($0.075 / $0.30);
 * - trace-mid: a mid model, priced like GPT-4.1 mini ($0.40 / $1.60);
 * - trace-strong: a strong model, priced like Claude Sonnet 4 ($3 / $15): 40× the small one's
 *   input price and 50× its output price, so 40–50× the price of the same task;
 * - trace-local: a free local model (price 0) with two slots and an 8k context window, as a
 *   small open-weights model served on one workstation GPU: long tasks cannot use it;
 * - trace-limited: a strong model on a low-tier key, priced like GPT-5 ($1.25 / $10), 20
 *   requests a minute and frequent bursts of 429 (8 % of calls start one, 20 s long).
 *
 * Each model's true level in each capability differs from its declared level by a hidden integer
 * offset in −1..+1, drawn once, uniformly, from a fixed seed (trueOffsets): the world's truth,
 * which the scheduler is never told.
 */

/** The capabilities of the trace world; its tasks need one or two of them. */
const traceCapabilities = ["writing", "code", "reasoning"] as const;

const noBursts = { rateLimitBurstRate: 0, rateLimitBurstMs: 0, retryAfterSeconds: 0 };

const pool: Omit<PoolEntry, "skillOffset">[] = [
  {
    id: "trace-small",
    capabilities: { writing: 5, code: 4, reasoning: 3 },
    maxComplexity: 7,
    contextWindow: 128_000,
    price: [0.075, 0.3],
    concurrency: 3,
    requestsPerMinute: 500,
    tokensPerMinute: 2_000_000,
    fallback: ["trace-mid"],
    sim: {
      baseLatencyMs: 300,
      perOutputTokenMs: 6,
      failureRate: 0.01,
      rateLimitBurstRate: 0.003,
      rateLimitBurstMs: 5_000,
      retryAfterSeconds: 2,
    },
  },
  {
    id: "trace-mid",
    capabilities: { writing: 7, code: 7, reasoning: 6 },
    maxComplexity: 9,
    contextWindow: 128_000,
    price: [0.4, 1.6],
    concurrency: 2,
    requestsPerMinute: 200,
    tokensPerMinute: 1_000_000,
    fallback: ["trace-strong", "trace-small"],
    sim: {
      baseLatencyMs: 500,
      perOutputTokenMs: 10,
      failureRate: 0.015,
      rateLimitBurstRate: 0.005,
      rateLimitBurstMs: 8_000,
      retryAfterSeconds: 5,
    },
  },
  {
    id: "trace-strong",
    capabilities: { writing: 9, code: 9, reasoning: 9 },
    maxComplexity: 10,
    contextWindow: 200_000,
    price: [3, 15],
    concurrency: 4,
    requestsPerMinute: 50,
    tokensPerMinute: 400_000,
    fallback: ["trace-limited", "trace-mid"],
    sim: {
      baseLatencyMs: 1_200,
      perOutputTokenMs: 18,
      failureRate: 0.01,
      rateLimitBurstRate: 0.005,
      rateLimitBurstMs: 10_000,
      retryAfterSeconds: 10,
    },
  },
  {
    id: "trace-local",
    capabilities: { writing: 4, code: 3, reasoning: 3 },
    maxComplexity: 6,
    contextWindow: 8_192,
    price: [0, 0],
    concurrency: 2,
    fallback: ["trace-small"],
    sim: { baseLatencyMs: 500, perOutputTokenMs: 30, failureRate: 0.005, ...noBursts },
  },
  {
    id: "trace-limited",
    capabilities: { writing: 8, code: 8, reasoning: 8 },
    maxComplexity: 10,
    contextWindow: 128_000,
    price: [1.25, 10],
    concurrency: 3,
    requestsPerMinute: 20,
    tokensPerMinute: 200_000,
    fallback: ["trace-strong", "trace-mid"],
    sim: {
      baseLatencyMs: 800,
      perOutputTokenMs: 14,
      failureRate: 0.01,
      rateLimitBurstRate: 0.08,
      rateLimitBurstMs: 20_000,
      retryAfterSeconds: 10,
    },
  },
];

/** True level − declared level per capability, for each model: drawn once from a fixed seed. */
function trueOffsets(modelId: string): Record<string, number> {
  const random = stream("trace", "true offsets", modelId);
  return Object.fromEntries(traceCapabilities.map((skill) => [skill, uniformInt(random, -1, 1)]));
}

/** The pool, in id order. */
export function traceModels(): SimModel[] {
  return buildPool(pool.map((entry) => ({ ...entry, skillOffset: trueOffsets(entry.id) })));
}
