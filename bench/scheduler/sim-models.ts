import { type ModelConfig, modelConfigSchema } from "../../src/models/model-config.ts";

/**
 * A simulated model: a model configuration as Steward reads it (validated by the production
 * schema) with a `sim` profile, plus what the configuration does not say and only the world
 * knows (`truth`).
 */
export interface SimModel {
  config: ModelConfig & { sim: NonNullable<ModelConfig["sim"]>; price: NonNullable<ModelConfig["price"]> };
  truth: {
    /**
     * True skill minus declared skill: configurations are written from vendors' claims and a few
     * trials, and a model is better or worse than its declared levels say. Keyed as the world's
     * quality function reads it (by kind of task in one world, by capability in another). The
     * scheduler is never told these; it can only learn them from outcomes.
     */
    skillOffset: Record<string, number>;
  };
}

/** One model of a world's pool, as the world writes it down. */
export interface PoolEntry {
  id: string;
  capabilities: Record<string, number>;
  maxComplexity: number;
  contextWindow: number;
  price: [input: number, output: number];
  concurrency: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  fallback: string[];
  sim: {
    baseLatencyMs: number;
    perOutputTokenMs: number;
    failureRate: number;
    rateLimitBurstRate: number;
    rateLimitBurstMs: number;
    retryAfterSeconds: number;
  };
  skillOffset: Record<string, number>;
}

/** A pool, in id order, each configuration parsed by Steward's own schema (jitter ±20 %). */
export function buildPool(entries: readonly PoolEntry[]): SimModel[] {
  return entries
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
      return { config: config as SimModel["config"], truth: { skillOffset: entry.skillOffset } };
    })
    .sort((a, b) => (a.config.id < b.config.id ? -1 : 1));
}

/**
 * A model's true level for tasks needing these capabilities, in a world whose truth is per
 * capability (skillOffset keyed by capability): the lowest of declared level + offset over them,
 * 0 when it lacks one; for a task that requires none, the mean over the model's capabilities.
 */
export function trueLevel(model: SimModel, capabilities: readonly string[]): number {
  const level = (skill: string) =>
    (model.config.capabilities[skill] ?? 0) + (model.truth.skillOffset[skill] ?? 0);
  if (capabilities.length > 0) {
    if (capabilities.some((skill) => (model.config.capabilities[skill] ?? 0) < 1)) return 0;
    return Math.min(...capabilities.map(level));
  }
  const skills = Object.keys(model.config.capabilities);
  return skills.length === 0 ? 0 : skills.reduce((sum, skill) => sum + level(skill), 0) / skills.length;
}
