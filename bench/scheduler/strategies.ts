import { assignModels, type SchedulerWeights } from "../../src/scheduler/assign-models.ts";
import { type CallUsage, estimatedTokens, exclusion, noUsage } from "../../src/scheduler/hard-constraints.ts";
import { recordOutcome } from "../../src/scheduler/learn.ts";
import type {
  ModelKindStats,
  ModelState,
  SchedulerTask,
  ScoreEstimates,
} from "../../src/scheduler/scheduler-types.ts";
import { pickWeighted, type Random } from "./random.ts";
import type { CallOutcome } from "./sim-provider.ts";

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
 * - Steward: src/scheduler/assign-models.ts, learning through src/scheduler/learn.ts.
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

export interface Pick {
  taskId: number;
  modelId: string;
}

export interface AttemptReport {
  task: SchedulerTask;
  modelId: string;
  outcome: CallOutcome;
  /** The task's work was done and accepted. */
  succeeded: boolean;
}

export interface Strategy {
  readonly name: string;
  assign(view: DispatchView): Pick[];
  observe(report: AttemptReport): void;
}

export const strategyNames = [
  "round-robin",
  "simple-shuffle",
  "least-busy",
  "latency-based",
  "cost-based",
  "capability-tiers",
  "steward",
] as const;
export type StrategyName = (typeof strategyNames)[number];

/** `weights`: Steward's, when other than the defaults (experiments; the benchmark uses the defaults). */
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
      return filtering(name, (_task, eligible) =>
        lowest(
          eligible,
          (m) => m.inputPerMTok + m.outputPerMTok,
          () => 0,
        ),
      );
    case "capability-tiers":
      return filtering(name, capabilityTier);
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
      return picks;
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

function steward(weights: Partial<SchedulerWeights>): Strategy {
  const stats = new Map<string, Record<string, ModelKindStats>>();
  // What the scheduler expected of each attempt it started, to calibrate what it learns.
  const expected = new Map<string, ScoreEstimates>();
  const key = (taskId: number, attempt: number) => `${taskId}/${attempt}`;
  return {
    name: "steward",
    assign({ now, tasks, models }) {
      const withStats = models.map((model) => ({ ...model, stats: stats.get(model.id) ?? {} }));
      const assignments = assignModels({ tasks, models: withStats, now, exhaustedIdeas: {} }, weights);
      const attempts = new Map(tasks.map((t) => [t.id, t.attempt]));
      const picks: Pick[] = [];
      for (const assignment of assignments) {
        if (assignment.modelId === null) continue;
        const chosen = assignment.scores.find((s) => s.modelId === assignment.modelId);
        if (chosen?.estimates !== undefined) {
          expected.set(key(assignment.taskId, attempts.get(assignment.taskId)!), chosen.estimates);
        }
        picks.push({ taskId: assignment.taskId, modelId: assignment.modelId });
      }
      return picks;
    },
    observe({ task, modelId, outcome, succeeded }) {
      const estimates = expected.get(key(task.id, task.attempt));
      expected.delete(key(task.id, task.attempt));
      // A 429 says nothing about the model's work: the cooldown handles it.
      if (outcome.kind === "rate_limited") return;
      const forModel = stats.get(modelId) ?? {};
      forModel[task.kind] = recordOutcome(forModel[task.kind], {
        succeeded,
        durationMs: outcome.latencyMs,
        ...(estimates === undefined
          ? {}
          : { priorSuccess: estimates.priorSuccess, priorDurationMs: estimates.priorDurationMs }),
      });
      stats.set(modelId, forModel);
    },
  };
}

/**
 * Not a LiteLLM strategy: the static rule a careful operator would write by hand, as a reference.
 * The cheapest eligible model whose declared level (its weakest required capability) is at least
 * the task's complexity; when none is, the most capable eligible one (then the cheapest). It reads
 * the same declared capabilities as Steward's prior, and learns nothing.
 */
function capabilityTier(task: SchedulerTask, eligible: ModelState[]): ModelState {
  const level = (m: ModelState) => Math.min(...task.capabilities.map((skill) => m.capabilities[skill] ?? 0));
  const price = (m: ModelState) => m.inputPerMTok + m.outputPerMTok;
  const able = eligible.filter((m) => level(m) >= task.complexity);
  if (able.length > 0) return lowest(able, price, () => 0);
  const best = Math.max(...eligible.map(level));
  return lowest(
    eligible.filter((m) => level(m) === best),
    price,
    () => 0,
  );
}

function rpmWeight(model: ModelState): number {
  return model.requestsPerMinute ?? 0;
}

/** The model with the lowest value; ties broken by `random` (or the first, in id order, when it always says 0). */
function lowest(models: ModelState[], value: (model: ModelState) => number, random: Random): ModelState {
  let min = Number.POSITIVE_INFINITY;
  let ties: ModelState[] = [];
  for (const model of models) {
    const v = value(model);
    if (v < min) {
      min = v;
      ties = [model];
    } else if (v === min) {
      ties.push(model);
    }
  }
  return ties[Math.floor(random() * ties.length)] ?? models[0]!;
}
