import type { SchedulerWeights } from "../../src/scheduler/assign-models.ts";
import { type CallUsage, estimatedTokens, exclusion, noUsage } from "../../src/scheduler/hard-constraints.ts";
import type { ModelState, SchedulerTask } from "../../src/scheduler/scheduler-types.ts";
import { capabilityTier, capableWaits, strongestCapable } from "./capability-rules.ts";
import { firstInIdOrder, lowest, price } from "./model-choice.ts";
import { pickWeighted, type Random } from "./random.ts";
import type { CallOutcome } from "./sim-provider.ts";
import { steward } from "./steward-strategy.ts";

/**
 * The strategies compared. Every one sees the same ready tasks and the same models, and the
 * baselines choose only among the models that pass Steward's own hard constraints
 * (src/scheduler/hard-constraints.ts: capability, complexity, context window, concurrency,
 * requests and tokens per minute, cooldowns), as a router with pre-call checks would: none of
 * them is handicapped by picking a model that cannot take the task. Baselines take tasks in the
 * task engine's claim order (run_at − urgency × 60 s, then id). Then:
 *
 * - round-robin: the next eligible model after the last one used, in id order;
 * - LiteLLM simple-shuffle: a random eligible model, weighted by its rpm;
 * - LiteLLM least-busy: the eligible model with the fewest requests in flight (ties at random);
 * - LiteLLM latency-based-routing: the lowest average of the last 10 successful calls' latency
 *   per output token; a model not yet used counts as 0, so it is tried first (ties at random,
 *   lowest_latency_buffer 0, LiteLLM's defaults);
 * - LiteLLM cost-based-routing: the lowest input + output price per token;
 * - capability-tiers, cheapest-capable-waits, strongest-capable-waits: rules by declared level
 *   (capability-rules.ts); the two that wait choose before looking at capacity, and hold a task
 *   for its model when that model is busy;
 * - Steward: src/scheduler/assign-models.ts, learning as production does (steward-strategy.ts).
 *
 * The LiteLLM strategies follow its routing documentation (docs.litellm.ai/docs/routing) and, for
 * details the documentation leaves open (what latency is averaged, how untried deployments
 * count), its router_strategy/lowest_latency.py.
 */

export interface DispatchView {
  now: number;
  /** Ready tasks, in the engine's claim order. */
  tasks: SchedulerTask[];
  /** Every model as it stands (stats empty: a strategy that learns brings its own). */
  models: ModelState[];
}

/** A task given a model. */
export interface Pick {
  taskId: number;
  modelId: string;
}

/**
 * A task left without a model to wait for a busy one: which, and in how long it is expected to be
 * free (the scheduler's Assignment.waitingFor). The simulator hands the task back until then.
 */
export interface Hold {
  taskId: number;
  waitingFor: { modelId: string; expectedWaitMs: number };
}

/** A strategy's answer: tasks given a model, and tasks held for one. The others wait a second. */
export interface Decisions {
  picks: Pick[];
  holds: Hold[];
}

/** A finished attempt, as a strategy that learns is told of it. */
export interface AttemptReport {
  task: SchedulerTask;
  modelId: string;
  outcome: CallOutcome;
  /** The task's work was done and accepted. */
  succeeded: boolean;
}

/** A router: asked at each dispatch, told of each finished attempt. */
export interface Strategy {
  readonly name: string;
  assign(view: DispatchView): Decisions;
  observe(report: AttemptReport): void;
}

/** Every strategy of the suite, in the order the report lists them. */
export const strategyNames = [
  "round-robin",
  "simple-shuffle",
  "least-busy",
  "latency-based",
  "cost-based",
  "capability-tiers",
  "cheapest-capable-waits",
  "strongest-capable-waits",
  "steward",
] as const;
export type StrategyName = (typeof strategyNames)[number];

/** Every strategy but Steward: what Steward is measured against. */
export const baselineNames = strategyNames.filter((name) => name !== "steward");

/** `weights`: Steward's, when other than the defaults (the price-of-lateness sweep). */
export function createStrategy(
  name: StrategyName,
  random: Random,
  weights: Partial<SchedulerWeights> = {},
): Strategy {
  switch (name) {
    case "round-robin":
      return roundRobin();
    case "simple-shuffle":
      return filtering(name, (_task, eligible) => eligible[pickWeighted(random, eligible.map(rpmWeight))]!);
    case "least-busy":
      return filtering(name, (_task, eligible, used) =>
        lowest(eligible, (m) => m.inFlight + (used.get(m.id)?.requests ?? 0), random),
      );
    case "latency-based":
      return latencyBased(random);
    case "cost-based":
      return filtering(name, (_task, eligible) => lowest(eligible, price, firstInIdOrder));
    case "capability-tiers":
      return filtering(name, capabilityTier);
    case "cheapest-capable-waits":
      return capableWaits(name, capabilityTier);
    case "strongest-capable-waits":
      return capableWaits(name, strongestCapable);
    case "steward":
      return steward(weights);
  }
}

type Chooser = (
  task: SchedulerTask,
  eligible: ModelState[],
  used: ReadonlyMap<string, CallUsage>,
) => ModelState;

/** A router that filters by the hard constraints, then lets `choose` pick among what is left. */
function filtering(
  name: string,
  choose: Chooser,
  observe: (report: AttemptReport) => void = () => {},
): Strategy {
  return {
    name,
    observe,
    assign({ now, tasks, models }) {
      const used = new Map<string, CallUsage>();
      const picks: Pick[] = [];
      for (const task of tasks) {
        const eligible = models.filter((m) => exclusion(task, m, used.get(m.id) ?? noUsage, now) === null);
        if (eligible.length === 0) continue;
        const model = choose(task, eligible, used);
        const usage = used.get(model.id) ?? noUsage;
        used.set(model.id, { requests: usage.requests + 1, tokens: usage.tokens + estimatedTokens(task) });
        picks.push({ taskId: task.id, modelId: model.id });
      }
      return { picks, holds: [] };
    },
  };
}

function roundRobin(): Strategy {
  let last = "";
  return filtering("round-robin", (_task, eligible) => {
    // Eligible models come in id order: the first after the last one used, wrapping around.
    const model = eligible.find((m) => m.id > last) ?? eligible[0]!;
    last = model.id;
    return model;
  });
}

function latencyBased(random: Random): Strategy {
  const recent = new Map<string, number[]>();
  const average = (model: ModelState) => {
    const samples = recent.get(model.id);
    return samples === undefined ? 0 : samples.reduce((a, b) => a + b, 0) / samples.length;
  };
  return filtering(
    "latency-based",
    (_task, eligible) => lowest(eligible, average, random),
    ({ modelId, outcome }) => {
      // LiteLLM logs latency on every successful response (it cannot see whether the work was
      // usable), as seconds per completion token; it keeps the last 10.
      if (outcome.kind !== "answered") return;
      const samples = recent.get(modelId) ?? [];
      samples.push(outcome.latencyMs / 1_000 / outcome.outputTokens);
      if (samples.length > 10) samples.shift();
      recent.set(modelId, samples);
    },
  );
}

function rpmWeight(model: ModelState): number {
  return model.requestsPerMinute ?? 0;
}
