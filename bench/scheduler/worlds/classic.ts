import { exponential, type Random, stream, triangular, uniform, uniformInt } from "./random.ts";

/**
 * The workloads of the suite: kinds of task (each with its stage, complexity, required
 * capabilities, sizes, urgency and deadline window) and arrival processes. They were fixed before
 * the scheduler was tuned, and are not changed to suit any strategy (docs/scheduling.md).
 */

export const kindNames = ["implement_idea", "idea_implementation", "self_improvement"] as const;
export type KindName = (typeof kindNames)[number];

export interface KindSpec {
  stage: string;
  capabilities: string[];
  /** Triangular distribution of complexity (rounded to an integer in 0–10). */
  complexity: { min: number; max: number; mode: number };
  /** Uniform ranges of the estimated tokens. */
  inputTokens: [number, number];
  outputTokens: [number, number];
  /** Uniform integer range of urgency. */
  urgency: [number, number];
  /** Deadline = arrival + a uniform draw from this range, seconds. */
  deadlineS: [number, number];
}

// Stage names as the task engine's demo kinds spell them (src/demo/demo-kinds.ts).
export const kinds: Record<KindName, KindSpec> = {
  // Code for an idea: mid-sized, mostly moderate, some hard; minutes to spare.
  implement_idea: {
    stage: "Implement Ideas",
    capabilities: ["code"],
    complexity: { min: 2, max: 9, mode: 6 },
    inputTokens: [3_000, 9_000],
    outputTokens: [800, 1_600],
    urgency: [3, 8],
    deadlineS: [120, 360],
  },
  // Writing up an idea (pages, copy): short, mostly easy, urgent, tight deadlines.
  idea_implementation: {
    stage: "Idea Implementation",
    capabilities: ["writing"],
    complexity: { min: 1, max: 7, mode: 3 },
    inputTokens: [1_500, 4_500],
    outputTokens: [400, 1_000],
    urgency: [5, 10],
    deadlineS: [45, 150],
  },
  // Steward improving its own code: long context, hard, rarely urgent, generous deadlines.
  self_improvement: {
    stage: "Self-Improvement",
    capabilities: ["code", "reasoning"],
    complexity: { min: 4, max: 10, mode: 7 },
    inputTokens: [8_000, 16_000],
    outputTokens: [1_000, 2_000],
    urgency: [0, 4],
    deadlineS: [900, 2_400],
  },
};

export interface SimTaskSpec {
  id: number;
  kind: KindName;
  stage: string;
  urgency: number;
  complexity: number;
  capabilities: string[];
  /** Simulated ms since the start of the run. */
  arrivalMs: number;
  deadlineMs: number;
  estimatedInputTokens: number;
  estimatedOutputTokens: number;
}

/** An arrival process: the arrival times (ms) within the horizon, drawn from `random`. */
type Arrivals = (random: Random, horizonMs: number) => number[];

export interface WorkloadSpec {
  name: string;
  description: string;
  horizonMs: number;
  arrivals: Arrivals;
  /** Share of each kind. */
  mix: Record<KindName, number>;
  /** Added to every drawn complexity (then clamped to 0–10). */
  complexityShift?: number;
  /** Multiplies every deadline window. */
  deadlineFactor?: number;
}

const minutes = (n: number) => n * 60_000;

/** Poisson arrivals at `perSecond`, from `fromMs` to `toMs`. */
function poisson(perSecond: number, fromMs = 0, toMs?: number): Arrivals {
  return (random, horizonMs) => {
    const end = toMs ?? horizonMs;
    const times: number[] = [];
    for (
      let t = fromMs + exponential(random, 1_000 / perSecond);
      t < end;
      t += exponential(random, 1_000 / perSecond)
    ) {
      times.push(t);
    }
    return times;
  };
}

/** On/off (a two-state Markov-modulated Poisson process): bursts at `onRate`, lulls at `offRate`. */
function onOff(onRate: number, offRate: number, meanOnMs: number, meanOffMs: number): Arrivals {
  return (random, horizonMs) => {
    const times: number[] = [];
    let t = 0;
    let on = false;
    while (t < horizonMs) {
      const periodEnd = Math.min(horizonMs, t + exponential(random, on ? meanOnMs : meanOffMs));
      const rate = on ? onRate : offRate;
      for (
        let a = t + exponential(random, 1_000 / rate);
        a < periodEnd;
        a += exponential(random, 1_000 / rate)
      ) {
        times.push(a);
      }
      t = periodEnd;
      on = !on;
    }
    return times;
  };
}

/** A batch of `size` tasks at once every `everyMs` (first at `everyMs` ÷ 10), over Poisson background. */
function batches(size: number, everyMs: number, backgroundPerSecond: number): Arrivals {
  return (random, horizonMs) => {
    const times = poisson(backgroundPerSecond)(random, horizonMs);
    for (let t = everyMs / 10; t < horizonMs; t += everyMs) {
      for (let i = 0; i < size; i++) times.push(t);
    }
    return times.sort((a, b) => a - b);
  };
}

function both(...parts: Arrivals[]): Arrivals {
  return (random, horizonMs) => parts.flatMap((part) => part(random, horizonMs)).sort((a, b) => a - b);
}

const usualMix: Record<KindName, number> = {
  implement_idea: 0.45,
  idea_implementation: 0.4,
  self_improvement: 0.15,
};

export const workloads: WorkloadSpec[] = [
  {
    name: "steady",
    description: "Poisson arrivals, 0.4 tasks/s for 30 min, the usual mix",
    horizonMs: minutes(30),
    arrivals: poisson(0.4),
    mix: usualMix,
  },
  {
    name: "bursty",
    description: "on/off: bursts of 1.5 tasks/s (≈1 min) between lulls of 0.1/s (≈3 min), 30 min",
    horizonMs: minutes(30),
    arrivals: onOff(1.5, 0.1, 60_000, 180_000),
    mix: usualMix,
  },
  {
    name: "batch",
    description: "a batch of 80 tasks every 5 min over 0.1 tasks/s, 30 min",
    horizonMs: minutes(30),
    arrivals: batches(80, minutes(5), 0.1),
    mix: usualMix,
  },
  {
    name: "tight-deadlines",
    description: "as steady, every deadline window × 0.4",
    horizonMs: minutes(30),
    arrivals: poisson(0.4),
    mix: usualMix,
    deadlineFactor: 0.4,
  },
  {
    name: "mostly-complex",
    description: "0.15 tasks/s, half implement_idea and 40% self_improvement, complexity +2",
    horizonMs: minutes(30),
    arrivals: poisson(0.15),
    mix: { implement_idea: 0.5, idea_implementation: 0.1, self_improvement: 0.4 },
    complexityShift: 2,
  },
  {
    name: "overload",
    // The pool completes at most 1.6–1.8 tasks/s of this mix whatever the strategy (measured by
    // offering 4 tasks/s for 10 min): 2.5/s is ≈1.4 times what it can serve.
    description: "2.5 tasks/s for 10 min (≈1.4× what the pool can serve), then 0.1/s for 20 min",
    horizonMs: minutes(30),
    arrivals: both(poisson(2.5, 0, minutes(10)), poisson(0.1, minutes(10))),
    mix: usualMix,
  },
];

/** The tasks of one workload for one seed: the same for every strategy. */
export function generateTasks(workload: WorkloadSpec, seed: number): SimTaskSpec[] {
  const arrivalsRandom = stream("arrivals", workload.name, seed);
  const random = stream("tasks", workload.name, seed);
  const times = workload.arrivals(arrivalsRandom, workload.horizonMs);
  const shares = kindNames.map((kind) => workload.mix[kind]);
  const total = shares.reduce((a, b) => a + b, 0);
  return times.map((arrivalMs, i) => {
    let u = random() * total;
    let kind: KindName = kindNames[kindNames.length - 1]!;
    for (const [k, name] of kindNames.entries()) {
      u -= shares[k]!;
      if (u < 0) {
        kind = name;
        break;
      }
    }
    const spec = kinds[kind];
    const drawn = triangular(random, spec.complexity.min, spec.complexity.max, spec.complexity.mode);
    const complexity = Math.max(0, Math.min(10, Math.round(drawn + (workload.complexityShift ?? 0))));
    const window =
      uniform(random, spec.deadlineS[0], spec.deadlineS[1]) * 1_000 * (workload.deadlineFactor ?? 1);
    return {
      id: i + 1,
      kind,
      stage: spec.stage,
      urgency: uniformInt(random, spec.urgency[0], spec.urgency[1]),
      complexity,
      capabilities: spec.capabilities,
      arrivalMs,
      deadlineMs: arrivalMs + window,
      estimatedInputTokens: Math.round(uniform(random, spec.inputTokens[0], spec.inputTokens[1])),
      estimatedOutputTokens: Math.round(uniform(random, spec.outputTokens[0], spec.outputTokens[1])),
    };
  });
}
