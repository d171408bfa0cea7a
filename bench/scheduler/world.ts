import type { Arrivals } from "./arrivals.ts";
import { type Distribution, draw } from "./distributions.ts";
import { stream, uniformInt } from "./random.ts";
import type { SimModel } from "./sim-models.ts";

/**
 * A simulated world: a pool of models with their hidden truth, the quality function that judges
 * their work, the kinds of task, and the traffic (scenarios) it is run under. Worlds are
 * self-contained and independent of the scheduler under test, so that a strategy tuned on one
 * can be caught failing on another.
 */
export interface World {
  name: string;
  description: string;
  /** Written, pool and truth and traffic, before the scheduler was changed against it. */
  writtenBeforeSchedulerChanges: boolean;
  /** The pool, in id order, each configuration parsed by Steward's own schema, with its truth. */
  models(): SimModel[];
  /** Kinds of task by name, in the order the report lists their stages. */
  kinds: Record<string, KindSpec>;
  /** The usual share of each kind (a scenario may have its own). */
  mix: Record<string, number>;
  /**
   * The world's quality model (never the scheduler's): the probability that the model's answer
   * to the task is usable, from what only the world knows (SimModel.truth).
   */
  accept(model: SimModel, task: SimTaskSpec): number;
  scenarios: Scenario[];
  /** Seeds a run of each scenario uses by default. */
  seeds: number;
}

/** A kind of task: its stage, the capabilities it needs, and what its tasks are drawn from. */
export interface KindSpec {
  stage: string;
  capabilities: string[];
  /** Complexity, rounded to an integer in 0–10. */
  complexity: Distribution;
  /** Estimated tokens (rounded). */
  inputTokens: Distribution;
  outputTokens: Distribution;
  /** Uniform integer range of urgency. */
  urgency: [number, number];
  /** Deadline = arrival + a draw from this, seconds. */
  deadlineS: Distribution;
}

/** The traffic a world is run under: arrivals over a horizon, and how tasks are drawn. */
export interface Scenario {
  /** Unique across worlds. */
  name: string;
  /**
   * The name of its random streams (arrivals, tasks, each attempt's luck), when not its own: a
   * world's loads share one, so that a higher load draws the same tasks in the same order, each
   * meeting the same luck, only arriving faster (common random numbers across loads).
   */
  streams?: string;
  description: string;
  horizonMs: number;
  arrivals: Arrivals;
  /** Share of each kind, when other than the world's. */
  mix?: Record<string, number>;
  /** Added to every drawn complexity (then clamped to 0–10). */
  complexityShift?: number;
  /** Multiplies every deadline window. */
  deadlineFactor?: number;
  /** For traffic offered as a share of the pool's capacity (capacity.ts): the share and the mean rate. */
  load?: { share: number; perSecond: number };
}

export interface SimTaskSpec {
  id: number;
  kind: string;
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

/** The stage of each kind, in the world's order: the report's columns. */
export function stagesOf(world: World): string[] {
  return [...new Set(Object.values(world.kinds).map((kind) => kind.stage))];
}

/** The name of a scenario's random streams. */
export function streamsOf(scenario: Scenario): string {
  return scenario.streams ?? scenario.name;
}

/** The tasks of one scenario for one seed: the same for every strategy. */
export function generateTasks(world: World, scenario: Scenario, seed: number): SimTaskSpec[] {
  const arrivalsRandom = stream("arrivals", streamsOf(scenario), seed);
  const random = stream("tasks", streamsOf(scenario), seed);
  const times = scenario.arrivals(arrivalsRandom, scenario.horizonMs);
  const mix = scenario.mix ?? world.mix;
  const names = Object.keys(world.kinds);
  const shares = names.map((kind) => mix[kind] ?? 0);
  const total = shares.reduce((a, b) => a + b, 0);
  return times.map((arrivalMs, i) => {
    let u = random() * total;
    let kind = names[names.length - 1]!;
    for (const [k, name] of names.entries()) {
      u -= shares[k]!;
      if (u < 0) {
        kind = name;
        break;
      }
    }
    const spec = world.kinds[kind]!;
    const drawn = draw(random, spec.complexity);
    const complexity = Math.max(0, Math.min(10, Math.round(drawn + (scenario.complexityShift ?? 0))));
    const window = draw(random, spec.deadlineS) * 1_000 * (scenario.deadlineFactor ?? 1);
    return {
      id: i + 1,
      kind,
      stage: spec.stage,
      urgency: uniformInt(random, spec.urgency[0], spec.urgency[1]),
      complexity,
      capabilities: spec.capabilities,
      arrivalMs,
      deadlineMs: arrivalMs + window,
      estimatedInputTokens: Math.round(draw(random, spec.inputTokens)),
      estimatedOutputTokens: Math.round(draw(random, spec.outputTokens)),
    };
  });
}
