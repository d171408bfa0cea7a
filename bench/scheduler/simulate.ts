import type { SchedulerWeights } from "../../src/scheduler/assign-models.ts";
import type { SchedulerTask } from "../../src/scheduler/scheduler-types.ts";
import { retryDelayMs } from "../../src/workers/retry-backoff.ts";
import { EventQueue } from "./event-queue.ts";
import { stream } from "./random.ts";
import type { RunResult, TaskRecord } from "./run-result.ts";
import { epoch, type ModelLoad, maxAttempts, modelState, schedulerTask } from "./scheduler-view.ts";
import type { SimModel } from "./sim-models.ts";
import { type CallOutcome, callCostUsd, callModel, type ProviderState } from "./sim-provider.ts";
import { createStrategy, type Strategy, type StrategyName } from "./strategies.ts";
import { generateTasks, type Scenario, type SimTaskSpec, stagesOf, streamsOf, type World } from "./world.ts";

/**
 * The discrete-event simulation: tasks arrive, wait until a strategy gives them a model, run for
 * the simulated call's latency, and then succeed, or fail and come back after the task engine's
 * backoff (at most 3 attempts, as `tasks.defaultMaxAttempts`). Time is simulated: nothing waits.
 *
 * After every instant at which something happened (an arrival, an attempt's end, a retry
 * becoming due, a cooldown or a per-minute window running out), provided some model has room, the
 * strategy is asked about the ready tasks a worker would claim: the first `claimWindow` in the
 * task engine's order (run_at − urgency × 60 s, then id). A task that gets no model is handed
 * back, as production hands it back: for a second, or, when the strategy says which busy model
 * it waits for, until that model is expected to be free.
 */

export { maxAttempts };
/** As the task engine's default, tasks.retry (src/config/config-schema.ts). */
export const retryPolicy = { baseDelayMs: 1_000, maxDelayMs: 300_000 } as const;
/** Urgency is a head start of this much in the engine's claim order (tasks.urgencyStepSeconds). */
const urgencyStepMs = 60_000;
/**
 * A worker claims at most this many ready tasks at once, in the engine's order (workers.concurrency,
 * 50 by default), and only those reach the strategy; the others wait their turn in the queue.
 */
export const claimWindow = 50;
/**
 * A claimed task that gets no model goes back to the queue with run_at = now + 1 s, as production
 * hands it back (src/models/model-assignment.ts, waitMs.capacity): it leaves the claim window for a
 * second and then queues behind the tasks that were waiting before it (by run_at − urgency × 60 s).
 */
export const requeueDelayMs = 1_000;
/**
 * A task held for a model (the strategy's Hold, the scheduler's Assignment.waitingFor) comes back
 * when that model is expected to be free, within these bounds, rounded up to this grid, as
 * production hands it back (src/tasks/hand-back-tasks.ts).
 */
export const holdBounds = { minMs: 250, maxMs: 60_000, gridMs: 250 } as const;
/** A run stops here at the latest; tasks not done by then count as failed (none should be). */
const hardStopMs = 12 * 3_600_000;

interface ModelRuntime extends ModelLoad {
  provider: ProviderState;
}

interface TaskRuntime {
  spec: SimTaskSpec;
  attempt: number;
  /** When this attempt became ready (arrival, or its retry falling due). */
  readyAt: number;
  /** The engine's run_at: readyAt, or later when it was handed back without a model. */
  runAt: number;
  previousModel: string | null;
  /** The model it was last held for, until it starts. */
  waitingFor: string | null;
  state: "pending" | "ready" | "running" | "done";
  record: TaskRecord | null;
}

type SimEvent =
  | { type: "arrive"; taskId: number }
  | { type: "due"; taskId: number }
  | {
      type: "finish";
      taskId: number;
      modelId: string;
      outcome: CallOutcome;
      task: SchedulerTask;
      backoffRoll: number;
    }
  | { type: "wake" };

/** What a run may use instead of its world's own (tests, the price-of-lateness sweep). */
export interface SimulateOptions {
  /** Tasks to run instead of the scenario's (tests). */
  tasks?: SimTaskSpec[];
  models?: SimModel[];
  /** Steward's weights, when other than the defaults. */
  weights?: Partial<SchedulerWeights>;
  /** A strategy to run instead of the named one (tests). */
  strategy?: Strategy;
}

/** One run of a strategy on a scenario of a world with a seed, until every task has ended. */
export function simulate(
  world: World,
  scenario: Scenario,
  strategyName: StrategyName,
  seed: number,
  options: SimulateOptions = {},
): RunResult {
  const specs = options.tasks ?? generateTasks(world, scenario, seed);
  const strategy: Strategy =
    options.strategy ?? createStrategy(strategyName, stream("strategy", strategyName, seed), options.weights);
  const models: ModelRuntime[] = (options.models ?? world.models()).map((sim) => ({
    sim,
    inFlight: 0,
    starts: [],
    cooldownUntil: 0,
    provider: { burstUntil: 0 },
  }));
  const byModel = new Map(models.map((m) => [m.sim.config.id, m]));
  const tasks = new Map<number, TaskRuntime>(
    specs.map((spec) => [
      spec.id,
      {
        spec,
        attempt: 1,
        readyAt: epoch + spec.arrivalMs,
        runAt: epoch + spec.arrivalMs,
        previousModel: null,
        waitingFor: null,
        state: "pending",
        record: null,
      },
    ]),
  );
  const ready = new Set<number>();
  const events = new EventQueue<SimEvent>();
  for (const spec of specs) events.push(epoch + spec.arrivalMs, { type: "arrive", taskId: spec.id });
  const wakes = new Set<number>();
  const result: RunResult = {
    world: world.name,
    scenario: scenario.name,
    stages: stagesOf(world),
    strategy: strategyName,
    seed,
    tasks: [],
    attempts: 0,
    failedAttempts: 0,
    failuresByKind: { answered: 0, server_error: 0, timeout: 0, rate_limited: 0, rejected: 0 },
    costUsd: 0,
    dispatches: 0,
    endedAtMs: 0,
  };

  // How many tasks are held for each model, and the tasks outside this call's claim window among
  // them (ModelState.waiting).
  const heldFor = new Map<string, Set<TaskRuntime>>();
  const holdFor = (task: TaskRuntime, modelId: string | null) => {
    if (task.waitingFor !== null) heldFor.get(task.waitingFor)!.delete(task);
    if (modelId !== null) {
      const set = heldFor.get(modelId) ?? new Set();
      set.add(task);
      heldFor.set(modelId, set);
    }
    task.waitingFor = modelId;
  };
  const waitingOutside = (modelId: string, window: readonly TaskRuntime[]) =>
    (heldFor.get(modelId)?.size ?? 0) - window.filter((task) => task.waitingFor === modelId).length;
  // A slot freed on a model brings back, at once, the first task in the claim order that waits for
  // it and is not yet due, as production does when an attempt on that model ends
  // (src/models/wake-waiting.ts).
  const wakeOne = (modelId: string, now: number) => {
    let first: TaskRuntime | null = null;
    for (const task of heldFor.get(modelId) ?? []) {
      if (task.state !== "pending" || task.runAt <= now) continue;
      if (
        first === null ||
        priorityKey(task) < priorityKey(first) ||
        (priorityKey(task) === priorityKey(first) && task.spec.id < first.spec.id)
      )
        first = task;
    }
    if (first === null) return;
    first.runAt = now;
    events.push(now, { type: "due", taskId: first.spec.id });
  };

  const start = (task: TaskRuntime, model: ModelRuntime, now: number) => {
    const { spec } = task;
    const random = stream("attempt", streamsOf(scenario), seed, spec.id, task.attempt);
    const outcome = callModel(model.sim, model.provider, spec, now, random, world.accept);
    const backoffRoll = random();
    model.inFlight++;
    model.starts.push({ at: now, tokens: spec.estimatedInputTokens + spec.estimatedOutputTokens });
    task.state = "running";
    holdFor(task, null);
    ready.delete(spec.id);
    result.attempts++;
    events.push(now + outcome.latencyMs, {
      type: "finish",
      taskId: spec.id,
      modelId: model.sim.config.id,
      outcome,
      task: schedulerTaskOf(task),
      backoffRoll,
    });
  };

  const finish = (event: Extract<SimEvent, { type: "finish" }>, now: number) => {
    const task = tasks.get(event.taskId)!;
    const model = byModel.get(event.modelId)!;
    const { outcome } = event;
    model.inFlight--;
    wakeOne(event.modelId, now);
    result.costUsd += callCostUsd(model.sim, task.spec, outcome);
    const succeeded = outcome.kind === "answered" && outcome.accepted;
    if (!succeeded) {
      result.failedAttempts++;
      result.failuresByKind[outcome.kind === "answered" ? "rejected" : outcome.kind]++;
    }
    if (outcome.kind === "rate_limited") {
      model.cooldownUntil = Math.max(model.cooldownUntil, now + outcome.retryAfterMs);
    }
    strategy.observe({ task: event.task, modelId: event.modelId, outcome, succeeded });
    if (succeeded) {
      finishTask(task, now, "succeeded");
    } else if (task.attempt < maxAttempts) {
      const delay = retryDelayMs(task.attempt, retryPolicy, () => event.backoffRoll);
      task.attempt++;
      task.previousModel = event.modelId;
      task.readyAt = now + delay;
      task.runAt = task.readyAt;
      task.state = "pending";
      events.push(task.readyAt, { type: "due", taskId: task.spec.id });
    } else {
      // Failed for good: it has to be done again some other way, which takes at least the window
      // it was given, from its failure or its deadline, whichever is later. (Counting from the
      // failure alone would make a quick failure look cheaper than a late success.)
      const { arrivalMs, deadlineMs } = task.spec;
      finishTask(task, Math.max(now, epoch + deadlineMs) + (deadlineMs - arrivalMs), "failed");
    }
  };

  const finishTask = (task: TaskRuntime, endAt: number, outcome: TaskRecord["outcome"]) => {
    task.state = "done";
    const { spec } = task;
    task.record = {
      id: spec.id,
      kind: spec.kind,
      stage: spec.stage,
      urgency: spec.urgency,
      arrivalMs: spec.arrivalMs,
      deadlineMs: spec.deadlineMs,
      endMs: endAt - epoch,
      outcome,
      attempts: task.attempt,
    };
  };

  const dispatch = (now: number) => {
    if (ready.size === 0) return;
    for (const model of models) {
      while (model.starts.length > 0 && model.starts[0]!.at <= now - 60_000) model.starts.shift();
    }
    const hasRoom = models.some(
      (m) =>
        m.cooldownUntil <= now &&
        m.inFlight < m.sim.config.concurrency &&
        m.starts.length < (m.sim.config.requestsPerMinute ?? Number.POSITIVE_INFINITY),
    );
    if (hasRoom) {
      // The engine's claim order, priority_at: ready time (arrival, or a retry falling due) less
      // urgency × 60 s. A task handed back without a model keeps its place (production's hand-back
      // leaves priority_at as it was, src/tasks/hand-back-tasks.ts); only its run_at moves.
      const readyTasks = [...ready]
        .map((id) => tasks.get(id)!)
        .sort((a, b) => priorityKey(a) - priorityKey(b) || a.spec.id - b.spec.id)
        .slice(0, claimWindow);
      result.dispatches++;
      const { picks, holds } = strategy.assign({
        now,
        tasks: readyTasks.map(schedulerTaskOf),
        models: models.map((m) => modelState(m, now, waitingOutside(m.sim.config.id, readyTasks))),
      });
      for (const pick of picks) start(tasks.get(pick.taskId)!, byModel.get(pick.modelId)!, now);
      const held = new Map(holds.map((hold) => [hold.taskId, hold.waitingFor]));
      for (const task of readyTasks) {
        if (task.state !== "ready") continue;
        task.state = "pending";
        const waitingFor = held.get(task.spec.id);
        if (waitingFor === undefined) {
          // Rounded up to a whole second of simulated time: handed-back tasks come back together,
          // as if the worker polled once a second, rather than each at its own instant.
          task.runAt = roundUp(now + requeueDelayMs, requeueDelayMs);
        } else {
          const wait = Math.min(holdBounds.maxMs, Math.max(holdBounds.minMs, waitingFor.expectedWaitMs));
          task.runAt = roundUp(now + wait, holdBounds.gridMs);
          holdFor(task, waitingFor.modelId);
        }
        ready.delete(task.spec.id);
        events.push(task.runAt, { type: "due", taskId: task.spec.id });
      }
    }
    if (ready.size > 0) scheduleWake(now);
  };

  // Capacity that frees without an event of its own: a cooldown ending, or a start leaving the
  // minute of a model at its requests- or tokens-per-minute limit.
  const scheduleWake = (now: number) => {
    let smallest = Number.POSITIVE_INFINITY;
    for (const id of ready) {
      const { spec } = tasks.get(id)!;
      smallest = Math.min(smallest, spec.estimatedInputTokens + spec.estimatedOutputTokens);
    }
    let next = Number.POSITIVE_INFINITY;
    for (const m of models) {
      if (m.cooldownUntil > now) next = Math.min(next, m.cooldownUntil);
      const oldest = m.starts[0];
      const { requestsPerMinute: rpm, tokensPerMinute: tpm } = m.sim.config;
      const tokens = m.starts.reduce((sum, s) => sum + s.tokens, 0);
      const atLimit =
        (rpm !== undefined && m.starts.length >= rpm) || (tpm !== undefined && tokens + smallest > tpm);
      if (oldest !== undefined && atLimit) next = Math.min(next, oldest.at + 60_000 + 1);
    }
    if (Number.isFinite(next) && !wakes.has(next)) {
      wakes.add(next);
      events.push(next, { type: "wake" });
    }
  };

  let now = epoch;
  for (;;) {
    const next = events.pop();
    if (next === null) break;
    now = next.at;
    if (now - epoch > hardStopMs) break;
    const { event } = next;
    if (event.type === "arrive" || event.type === "due") {
      const task = tasks.get(event.taskId)!;
      // A task brought back early by a freed slot leaves its later due event behind: ignored.
      if (event.type === "arrive" || (task.state === "pending" && task.runAt <= now)) {
        task.state = "ready";
        ready.add(event.taskId);
      }
    } else if (event.type === "finish") {
      finish(event, now);
    } else {
      wakes.delete(now);
    }
    // Everything that happens at one instant is seen before the strategy is asked.
    if (events.peekTime() !== now) dispatch(now);
  }
  for (const task of tasks.values()) {
    if (task.record === null) finishTask(task, now, "failed");
    result.tasks.push(task.record!);
  }
  result.endedAtMs = Math.max(0, ...result.tasks.map((t) => t.endMs));
  return result;
}

/** The engine's claim order: ready time (arrival, or a retry falling due) less urgency × 60 s, then id. */
function priorityKey(task: TaskRuntime): number {
  return task.readyAt - task.spec.urgency * urgencyStepMs;
}

function schedulerTaskOf(task: TaskRuntime): SchedulerTask {
  return schedulerTask(task.spec, {
    number: task.attempt,
    readyAt: task.readyAt,
    previousModel: task.previousModel,
  });
}

/** The first instant of the grid (of `stepMs`, from the epoch) at or after `at`. */
function roundUp(at: number, stepMs: number): number {
  return Math.ceil((at - epoch) / stepMs) * stepMs + epoch;
}
