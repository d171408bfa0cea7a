import { type ModelConfig, modelConfigSchema } from "../../src/models/model-config.ts";
import type { KindName } from "./workloads.ts";

/**
 * The pool of simulated models, from fast, cheap and weak to slow, expensive and strong. Each is
 * a model configuration as Steward reads it (validated by the production schema) with a `sim`
 * profile, plus what the configuration does not say and only the world knows (`truth`).
 *
 * Prices, limits and latencies are in the proportions of real tiers (a "nano" model at a few
 * cents per million tokens up to a frontier model at tens of dollars); none is a real model.
 */

export interface SimModel {
  config: ModelConfig & { sim: NonNullable<ModelConfig["sim"]>; price: NonNullable<ModelConfig["price"]> };
  truth: {
    /**
     * True skill minus declared skill, per kind of task: configurations are written from
     * vendors' claims and a few trials, and a model is better or worse on some kinds of work
     * than its declared levels say. The scheduler is never told these; it can only learn them
     * from outcomes (ModelKindStats).
     */
    skillOffset: Record<KindName, number>;
  };
}

interface PoolEntry {
  id: string;
  capabilities: { code: number; writing: number; reasoning: number };
  maxComplexity: number;
  contextWindow: number;
  price: [input: number, output: number];
  concurrency: number;
  requestsPerMinute: number;
  tokensPerMinute: number;
  fallback: string[];
  sim: {
    baseLatencyMs: number;
    perOutputTokenMs: number;
    failureRate: number;
    rateLimitBurstRate: number;
    rateLimitBurstMs: number;
    retryAfterSeconds: number;
  };
  skillOffset: Record<KindName, number>;
}

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

/** The pool, in id order, each configuration parsed by Steward's own schema. */
export function simModels(): SimModel[] {
  return pool
    .map((entry) => {
      const config = modelConfigSchema.parse({
        id: entry.id,
        provider: "sim",
        model: entry.id,
        capabilities: entry.capabilities,
        maxComplexity: entry.maxComplexity,
        contextWindow: entry.contextWindow,
        price: { inputPerMTok: entry.price[0], outputPerMTok: entry.price[1] },
        concurrency: entry.concurrency,
        requestsPerMinute: entry.requestsPerMinute,
        tokensPerMinute: entry.tokensPerMinute,
        fallback: entry.fallback,
        sim: { ...entry.sim, jitter: 0.2 },
      });
      return {
        config: config as SimModel["config"],
        truth: { skillOffset: entry.skillOffset },
      };
    })
    .sort((a, b) => (a.config.id < b.config.id ? -1 : 1));
}
