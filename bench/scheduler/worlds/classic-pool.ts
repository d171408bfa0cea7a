import { buildPool, type PoolEntry, type SimModel } from "../sim-models.ts";

/**
 * The classic world's pool of five simulated models, from fast, cheap and weak to slow,
 * expensive and strong. Prices, limits and latencies are in the proportions of real tiers (a
 * "nano" model at a few cents per million tokens up to a frontier model at tens of dollars); none
 * is a real model. Each model's hidden skill offset is per kind of task (classic.ts reads it so).
 */

const pool: PoolEntry[] = [
  {
    id: "sim-nano",
    capabilities: { code: 3, writing: 5, reasoning: 2 },
    maxComplexity: 5,
    contextWindow: 16_000,
    price: [0.1, 0.4],
    concurrency: 8,
    requestsPerMinute: 240,
    tokensPerMinute: 400_000,
    fallback: ["sim-small", "sim-mid"],
    sim: {
      baseLatencyMs: 250,
      perOutputTokenMs: 4,
      failureRate: 0.02,
      rateLimitBurstRate: 0.01,
      rateLimitBurstMs: 8_000,
      retryAfterSeconds: 5,
    },
    skillOffset: { implement_idea: -1, idea_implementation: 1, self_improvement: -1 },
  },
  {
    id: "sim-small",
    capabilities: { code: 5, writing: 6, reasoning: 4 },
    maxComplexity: 7,
    contextWindow: 64_000,
    price: [0.4, 1.6],
    concurrency: 6,
    requestsPerMinute: 120,
    tokensPerMinute: 300_000,
    fallback: ["sim-mid", "sim-nano"],
    sim: {
      baseLatencyMs: 400,
      perOutputTokenMs: 7,
      failureRate: 0.03,
      rateLimitBurstRate: 0.01,
      rateLimitBurstMs: 10_000,
      retryAfterSeconds: 8,
    },
    skillOffset: { implement_idea: 1.5, idea_implementation: 0, self_improvement: 0 },
  },
  {
    id: "sim-mid",
    capabilities: { code: 7, writing: 7, reasoning: 6 },
    maxComplexity: 9,
    contextWindow: 128_000,
    price: [2.5, 10],
    concurrency: 4,
    requestsPerMinute: 60,
    tokensPerMinute: 200_000,
    fallback: ["sim-strong", "sim-small"],
    sim: {
      baseLatencyMs: 800,
      perOutputTokenMs: 12,
      failureRate: 0.02,
      rateLimitBurstRate: 0.015,
      rateLimitBurstMs: 15_000,
      retryAfterSeconds: 10,
    },
    skillOffset: { implement_idea: 0, idea_implementation: 0, self_improvement: -2 },
  },
  {
    id: "sim-strong",
    capabilities: { code: 9, writing: 8, reasoning: 9 },
    maxComplexity: 10,
    contextWindow: 200_000,
    price: [6, 24],
    concurrency: 3,
    requestsPerMinute: 40,
    tokensPerMinute: 150_000,
    fallback: ["sim-max", "sim-mid"],
    sim: {
      baseLatencyMs: 1_500,
      perOutputTokenMs: 20,
      failureRate: 0.02,
      rateLimitBurstRate: 0.01,
      rateLimitBurstMs: 15_000,
      retryAfterSeconds: 10,
    },
    skillOffset: { implement_idea: 0, idea_implementation: 0, self_improvement: 0.5 },
  },
  {
    id: "sim-max",
    capabilities: { code: 10, writing: 9, reasoning: 10 },
    maxComplexity: 10,
    contextWindow: 200_000,
    price: [15, 75],
    concurrency: 2,
    requestsPerMinute: 20,
    tokensPerMinute: 100_000,
    fallback: ["sim-strong"],
    sim: {
      baseLatencyMs: 3_000,
      perOutputTokenMs: 30,
      failureRate: 0.01,
      rateLimitBurstRate: 0.005,
      rateLimitBurstMs: 20_000,
      retryAfterSeconds: 15,
    },
    skillOffset: { implement_idea: 0, idea_implementation: 0, self_improvement: 0 },
  },
];

/** The pool, in id order. */
export function classicModels(): SimModel[] {
  return buildPool(pool);
}
