/**
 * The made-up history the telemetry benchmark loads: what kinds, models and ideas exist, and in
 * what proportions. Everything else (which task is which, how long each attempt took) is drawn in
 * SQL from a seeded hash of the task id and attempt number (bench/telemetry/load-history.ts), so
 * that the same seed loads the same rows.
 */

export const stages = ["Implement Ideas", "Idea Implementation", "Self-Improvement"] as const;

export interface BenchKind {
  kind: string;
  stage: (typeof stages)[number];
  /** Share of all tasks, in percent (the kinds add up to 100). */
  share: number;
  /** Whether its attempts run on a model (tokens and cost), or on none. */
  onModel: boolean;
  /** Median duration of an attempt on a model of speed 1, in ms (log-normal around it). */
  medianMs: number;
  /** Whether its tasks belong to an idea. */
  ofIdea: boolean;
}

export const kinds: BenchKind[] = [
  {
    kind: "implement_idea",
    stage: "Implement Ideas",
    share: 16,
    onModel: true,
    medianMs: 45_000,
    ofIdea: true,
  },
  { kind: "draft_plan", stage: "Implement Ideas", share: 10, onModel: true, medianMs: 12_000, ofIdea: true },
  { kind: "write_copy", stage: "Implement Ideas", share: 9, onModel: true, medianMs: 8_000, ofIdea: true },
  {
    kind: "fetch_sources",
    stage: "Implement Ideas",
    share: 8,
    onModel: false,
    medianMs: 1_500,
    ofIdea: true,
  },
  {
    kind: "idea_implementation",
    stage: "Idea Implementation",
    share: 14,
    onModel: true,
    medianMs: 60_000,
    ofIdea: true,
  },
  {
    kind: "write_code",
    stage: "Idea Implementation",
    share: 12,
    onModel: true,
    medianMs: 30_000,
    ofIdea: true,
  },
  {
    kind: "run_checks",
    stage: "Idea Implementation",
    share: 9,
    onModel: false,
    medianMs: 20_000,
    ofIdea: true,
  },
  {
    kind: "self_improvement",
    stage: "Self-Improvement",
    share: 9,
    onModel: true,
    medianMs: 90_000,
    ofIdea: false,
  },
  {
    kind: "review_output",
    stage: "Self-Improvement",
    share: 7,
    onModel: true,
    medianMs: 15_000,
    ofIdea: false,
  },
  {
    kind: "tune_prompts",
    stage: "Self-Improvement",
    share: 6,
    onModel: true,
    medianMs: 25_000,
    ofIdea: false,
  },
];

export interface BenchModel {
  id: string;
  provider: string;
  /** Share of model attempts, in percent (the models add up to 100). */
  share: number;
  /** Duration multiplier: slower models take longer. */
  speed: number;
  inputPerMTok: number;
  outputPerMTok: number;
}

export const models: BenchModel[] = [
  { id: "gpt-4o-mini", provider: "openai", share: 24, speed: 0.6, inputPerMTok: 0.15, outputPerMTok: 0.6 },
  { id: "gpt-4o", provider: "openai", share: 14, speed: 1, inputPerMTok: 2.5, outputPerMTok: 10 },
  { id: "o3-mini", provider: "openai", share: 6, speed: 2.2, inputPerMTok: 1.1, outputPerMTok: 4.4 },
  { id: "claude-sonnet", provider: "anthropic", share: 16, speed: 1.1, inputPerMTok: 3, outputPerMTok: 15 },
  { id: "claude-haiku", provider: "anthropic", share: 14, speed: 0.5, inputPerMTok: 0.8, outputPerMTok: 4 },
  { id: "llama-70b", provider: "local", share: 12, speed: 1.6, inputPerMTok: 0, outputPerMTok: 0 },
  { id: "qwen-32b", provider: "local", share: 8, speed: 1.3, inputPerMTok: 0, outputPerMTok: 0 },
  { id: "mistral-small", provider: "local", share: 6, speed: 0.8, inputPerMTok: 0, outputPerMTok: 0 },
];

export const ideaCount = 50;

/** The workers the history ran on: their ids pick the rollups' shards, as a real pool's do. */
export const workerCount = 6;

/**
 * Attempts per task, one entry per task of every run of 20 consecutive ids (each id gets one slot,
 * `id × 7 mod 20`, a permutation of every 20): 11 in 20 tasks succeed at once, some retry a few
 * times, a long tail retries for long. They add up to 100, so 1,000,000 tasks have exactly
 * 5,000,000 attempts, the ratio; five attempts a task on average is only reached with such
 * a tail (docs/benchmarks.md says so).
 */
export const attemptsBySlot = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 5, 10, 25, 37];

/** Of tasks that retried, the share that failed for good (at most attempts), by attempts. */
export const failShare = (attempts: number) => (attempts === 1 ? 0.02 : attempts >= 25 ? 0.5 : 0.2);
