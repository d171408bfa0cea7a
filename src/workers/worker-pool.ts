import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { context } from "@opentelemetry/api";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../clock.ts";
import type { Database } from "../db/database.ts";
import { type AssignmentResult, assignClaimedTasks, startCooldown } from "../models/model-assignment.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { costUsd } from "../models/prices.ts";
import { ProviderError } from "../models/providers/provider-types.ts";
import type { SchedulerConfig } from "../scheduler/scheduler-config.ts";
import { claimTaskBatch } from "../tasks/claim-tasks.ts";
import type { AttemptReport, CompletedTask } from "../tasks/complete-tasks.ts";
import type { ClaimedTask } from "../tasks/task.ts";
import type { TaskConfig } from "../tasks/task-config.ts";
import { repairBlockedTasks } from "../tasks/task-dependencies.ts";
import type { AssignedModel, TaskHandlerContext, TaskKindRegistry } from "../tasks/task-kinds.ts";
import { expireLeases, extendLeases } from "../tasks/task-leases.ts";
import { tasksCancelledChannel, tasksReadyChannel } from "../tasks/task-notifications.ts";
import { attemptContext, endAttemptSpan, startAttemptSpan, traceModelCall } from "./attempt-spans.ts";
import { ClaimLedger } from "./claim-ledger.ts";
import { CompletionBatcher } from "./completion-batcher.ts";
import { NoModelWarnings } from "./no-model-warnings.ts";
import { retryDelayMs } from "./retry-backoff.ts";
import {
  abort,
  addUsage,
  describeError,
  type Running,
  signalOf,
  TaskAbortedError,
  within,
} from "./running-attempt.ts";
import type { WorkerConfig } from "./worker-config.ts";

export type { AbortReason } from "./running-attempt.ts";
export { TaskAbortedError } from "./running-attempt.ts";
export type { WorkerConfig } from "./worker-config.ts";

export interface WorkerPoolOptions extends Partial<Omit<WorkerConfig, "embedded">> {
  workerId?: string;
  /** Kinds to run (default: every registered kind). */
  kinds?: string[];
  /** Most tasks claimed by one statement (default: the concurrency). */
  claimBatch?: number;
  /** Periodic work beside the maintenance, handed in by a layer above (target evaluation). */
  steps?: MaintenanceStep[];
}

/**
 * A periodic step of a folder this one may not import (telemetry sits beside workers), run
 * every `everyMs` (with jitter) on its own timer, never on the claim path; a run still going
 * when the next is due is not started twice, and a failure is logged, never thrown.
 */
export interface MaintenanceStep {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

export interface WorkerPoolEvents {
  claimed: [tasks: ClaimedTask[]];
  /** Tasks of kinds that run on a model: which model each got, or why it waits. */
  assigned: [result: AssignmentResult];
  finished: [report: AttemptReport];
  recorded: [completed: CompletedTask[]];
  error: [error: unknown];
}

/** What a pool needs: the database, its sections of the configuration, the kinds it runs and the models they run on. */
export interface PoolDeps {
  db: Database;
  config: { workers: WorkerConfig; tasks: TaskConfig; scheduler?: SchedulerConfig };
  kinds: TaskKindRegistry;
  logger: Logger;
  models: ModelRegistry;
  clock?: Clock;
}

/**
 * A worker: claims ready tasks in batches, runs up to `concurrency` handlers at once, each with
 * an AbortSignal (timeout, cancellation, lost lease, shutdown), renews leases by heartbeat and
 * records finished attempts in batches. Wakes on NOTIFY when work arrives; polls as a fallback.
 * Also runs the maintenance that any worker may run: expired leases, stuck dependents.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly workerId: string;
  readonly #deps: PoolDeps;
  readonly #clock: Clock;
  readonly #options: Omit<WorkerConfig, "embedded"> & { kinds: string[]; claimBatch: number };
  readonly #running = new Map<number, Running>();
  readonly #batcher: CompletionBatcher;
  readonly #claims: ClaimLedger;
  readonly #noModel: NoModelWarnings;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #unlisten: (() => Promise<void>)[] = [];
  readonly #steps: MaintenanceStep[];
  readonly #stepsRunning = new Map<MaintenanceStep, Promise<void>>();
  #state: "idle" | "running" | "stopping" | "stopped" = "idle";
  #claiming = false;
  #claimAgain = false;
  /** The last claim found fewer ready tasks than it asked for. */
  #queueDrained = false;

  constructor(deps: PoolDeps, options: WorkerPoolOptions = {}) {
    super();
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    const config = deps.config.workers;
    const concurrency = options.concurrency ?? config.concurrency;
    this.#options = {
      concurrency,
      leaseMs: options.leaseMs ?? config.leaseMs,
      heartbeatMs: options.heartbeatMs ?? config.heartbeatMs,
      pollMs: options.pollMs ?? config.pollMs,
      maintenanceMs: options.maintenanceMs ?? config.maintenanceMs,
      shutdownGraceMs: options.shutdownGraceMs ?? config.shutdownGraceMs,
      kinds: options.kinds ?? deps.kinds.names(),
      claimBatch: options.claimBatch ?? concurrency,
    };
    this.#steps = options.steps ?? [];
    this.workerId = options.workerId ?? `${hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
    this.#noModel = new NoModelWarnings(deps.logger, this.workerId, this.#clock);
    this.#batcher = new CompletionBatcher(
      deps.db,
      this.workerId,
      { urgencyStepSeconds: deps.config.tasks.urgencyStepSeconds, maxBatch: 1_000, logger: deps.logger },
      (_reports, completed) => {
        this.emit("recorded", completed);
        // Slots freed while the write was under way may be waiting on backpressure.
        this.#claimSoon("slots");
      },
    );
    this.#claims = new ClaimLedger((claimId) => this.#batcher.forgetClaim(claimId));
  }

  /** Tasks whose handlers are running now. */
  get runningCount(): number {
    return this.#running.size;
  }

  async start(): Promise<void> {
    if (this.#state !== "idle") throw new Error(`worker ${this.workerId} was already started`);
    this.#state = "running";
    const { db } = this.#deps;
    this.#unlisten.push(await db.listen(tasksReadyChannel, () => this.#claimSoon("work")));
    this.#unlisten.push(
      await db.listen(tasksCancelledChannel, (payload) => {
        for (const id of payload.split(",").map(Number)) abort(this.#running.get(id), "cancelled");
      }),
    );
    this.#every(this.#options.pollMs, () => this.#claimSoon("work"));
    this.#every(this.#options.heartbeatMs, () => this.#heartbeat());
    this.#every(this.#options.maintenanceMs, () => this.#maintain(), true);
    for (const step of this.#steps) this.#every(step.everyMs, () => this.#runStep(step), true);
    this.#deps.logger.info(
      { worker: this.workerId, concurrency: this.#options.concurrency, kinds: this.#options.kinds },
      "worker started",
    );
    this.#claimSoon("work");
  }

  /**
   * Stops claiming, lets running handlers finish within the grace period, then aborts the rest
   * and hands their tasks back to the queue (recorded as released), and writes every report.
   */
  async stop(): Promise<void> {
    if (this.#state !== "running") return;
    this.#state = "stopping";
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await Promise.all(this.#unlisten.splice(0).map((unlisten) => unlisten().catch(() => {})));
    await Promise.all(this.#stepsRunning.values());
    // A claim (and its model assignment) under way when stopping began: what it claims must be
    // among the tasks finished or handed back below, not left running with a lease (seen once in
    // CI: 3 demo tasks still running after a clean `steward start` shutdown on PostgreSQL).
    await this.#claimInFlight;
    const heartbeat = setInterval(() => void this.#heartbeat(), this.#options.heartbeatMs);
    try {
      const settled = Promise.all([...this.#running.values()].map((r) => r.done));
      if (!(await within(settled, this.#options.shutdownGraceMs))) {
        for (const running of this.#running.values()) abort(running, "shutdown");
        // A handler that ignores its signal is handed back without waiting for it.
        if (!(await within(Promise.all([...this.#running.values()].map((r) => r.done)), 1_000))) {
          for (const running of [...this.#running.values()])
            this.#finish(running, "released", new TaskAbortedError("shutdown"));
        }
      }
      const unwritten = await this.#batcher.close(Math.max(5_000, this.#options.leaseMs));
      if (unwritten > 0)
        this.#deps.logger.error(
          { worker: this.workerId, reports: unwritten },
          "worker stopped with finished attempts it could not record; their leases run out and their tasks run again",
        );
    } finally {
      clearInterval(heartbeat);
      this.#state = "stopped";
      this.#deps.logger.info({ worker: this.workerId }, "worker stopped");
    }
  }

  #every(ms: number, fn: () => unknown, jitter = false): void {
    // Jitter spreads the maintenance of many workers so that they do not all run it at once.
    const period = jitter ? Math.round(ms * (0.75 + Math.random() * 0.5)) : ms;
    const timer = setInterval(() => {
      Promise.resolve(fn()).catch((error) => this.#reportError(error));
    }, period);
    timer.unref();
    this.#timers.push(timer);
  }

  /**
   * "work": there may be new work (a notification, the poll timer). "slots": a task finished and
   * frees a slot; worth a claim only if the last one found the queue full. Without this, an idle
   * worker sent an empty claim for every task it finished (5,788 of 7,782 claims at 200 tasks/s).
   */
  #claimSoon(reason: "work" | "slots"): void {
    if (this.#state !== "running") return;
    if (reason === "work") this.#queueDrained = false;
    else if (this.#queueDrained) return;
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    if (reason === "work") {
      void this.#claimLoop();
      return;
    }
    // Short tasks free their slots in the same turn of the event loop: claiming after that turn
    // fills them all with one statement, instead of a claim for the first slot and one for the
    // rest (claims averaged 513 tasks of 1,000 in a drain of no-op tasks).
    this.#claiming = true;
    setImmediate(() => void this.#claimLoop());
  }

  /**
   * The claim loop under way, if any: stop() waits for it, so that tasks it claims after stopping
   * began are started (and then finished or handed back) rather than left running with a lease.
   */
  #claimInFlight: Promise<void> | null = null;

  #claimLoop(): Promise<void> {
    const loop = this.#runClaimLoop();
    this.#claimInFlight = loop;
    return loop;
  }

  async #runClaimLoop(): Promise<void> {
    this.#claiming = true;
    try {
      do {
        this.#claimAgain = false;
        const free = this.#options.concurrency - this.#running.size;
        // Backpressure: while reports pile up unwritten (the database is slow or away), claim nothing.
        if (this.#state !== "running" || free <= 0 || this.#batcher.size > this.#options.concurrency * 4)
          break;
        const limit = Math.min(free, this.#options.claimBatch);
        const { claimId, tasks } = await claimTaskBatch(this.#deps.db, {
          workerId: this.workerId,
          limit,
          kinds: this.#options.kinds,
          leaseMs: this.#options.leaseMs,
        });
        if (tasks.length > 0) this.emit("claimed", tasks);
        this.#queueDrained = tasks.length < limit;
        const { start, leftLeased } = await this.#assignModels(tasks);
        if (claimId !== null) this.#claims.opened(claimId, leftLeased ? null : start.length);
        for (const task of start) this.#start(task, claimId);
        if (!this.#queueDrained) this.#claimAgain = true;
      } while (this.#claimAgain);
    } catch (error) {
      this.#reportError(error); // the poll timer tries again
    } finally {
      this.#claiming = false;
    }
  }

  /**
   * Tasks of kinds that run on a model get one from the scheduler (src/models/model-assignment.ts)
   * before they start; those that get none go back to the queue. Other tasks start as claimed.
   */
  async #assignModels(tasks: ClaimedTask[]): Promise<{ start: ClaimedTask[]; leftLeased: boolean }> {
    const { kinds } = this.#deps;
    const needModel = tasks.filter((task) => kinds.get(task.kind)?.model !== undefined);
    if (needModel.length === 0) return { start: tasks, leftLeased: false };
    try {
      const result = await assignClaimedTasks(this.#deps, this.workerId, needModel);
      this.emit("assigned", result);
      this.#noModel.note(result.waiting);
      const assigned = new Set(result.assigned.map((a) => a.task.id));
      const start = tasks.filter(
        (task) => kinds.get(task.kind)?.model === undefined || assigned.has(task.id),
      );
      return { start, leftLeased: false };
    } catch (error) {
      // Nothing was assigned (one transaction): the tasks stay leased to this worker without
      // running, so their leases run out and maintenance hands them back to the queue.
      this.#reportError(error);
      return { start: tasks.filter((task) => kinds.get(task.kind)?.model === undefined), leftLeased: true };
    }
  }

  /** The assigned model, callable by the handler; each answer's tokens and cost count as usage. */
  #assignedModel(running: Running): AssignedModel | undefined {
    const { task } = running;
    const registered = task.aiModel === null ? undefined : this.#deps.models.get(task.aiModel);
    if (registered === undefined || this.#deps.kinds.get(task.kind)?.model === undefined) return undefined;
    const client = () => this.#deps.models.clientFor(registered);
    running.usage.aiModel = registered.config.id;
    return {
      id: registered.config.id,
      provider: registered.provider.id,
      call: async (request) => {
        const response = await traceModelCall(running.span, registered, request, () =>
          client().call(registered.config, { ...request, signal: signalOf(running) }),
        );
        addUsage(running.usage, {
          inputTokens: response.inputTokens,
          outputTokens: response.outputTokens,
          costUsd: costUsd(registered.price, response.inputTokens, response.outputTokens),
        });
        return response;
      },
    };
  }

  #start(task: ClaimedTask, claimId: number | null): void {
    const running: Running = {
      task,
      claimId,
      controller: null,
      aborted: null,
      usage: {},
      timer: null,
      done: Promise.resolve(),
      span: startAttemptSpan(task),
    };
    if (task.timeoutMs !== null) running.timer = setTimeout(() => abort(running, "timeout"), task.timeoutMs);
    this.#running.set(task.id, running);
    const kind = this.#deps.kinds.get(task.kind);
    running.done = Promise.resolve()
      .then(() => {
        if (kind === undefined)
          throw new Error(`no handler for kind "${task.kind}" in worker ${this.workerId}`);
        const parentLogger = this.#deps.logger;
        let logger: Logger | undefined;
        const handlerContext: TaskHandlerContext = {
          get signal() {
            return signalOf(running);
          },
          model: this.#assignedModel(running),
          workerId: this.workerId,
          // Made on first use: most handlers never log, and a child logger per task costs.
          get logger() {
            logger ??= parentLogger.child({ task: task.id, kind: task.kind, attempt: task.attempt });
            return logger;
          },
          reportUsage: (usage) => addUsage(running.usage, usage),
        };
        // Traced, the handler runs in its attempt's context (context.with passes the arguments:
        // no closure is made); untraced, it is simply called.
        return running.span.isRecording()
          ? context.with(attemptContext(running.span), kind.run, kind, task, handlerContext)
          : kind.run(task, handlerContext);
      })
      .then(
        (output) => this.#finish(running, "succeeded", undefined, output),
        (error) => {
          const reason = running.aborted?.reason ?? null;
          if (reason === "cancelled" || reason === "lease_lost") {
            // The task is no longer ours: whoever took it recorded this attempt.
            if (this.#forget(running)) endAttemptSpan(running.span, { ...running.usage, outcome: reason });
          } else if (reason === "shutdown") this.#finish(running, "released", error);
          else this.#finish(running, reason === "timeout" ? "timed_out" : "failed", error);
        },
      );
  }

  #finish(running: Running, outcome: AttemptReport["outcome"], error?: unknown, output?: unknown): void {
    if (!this.#forget(running)) return;
    const { task, usage } = running;
    // The attempt's end, its retry's run_at and a cooldown's end come from the injected clock; the
    // database compares them with its own now() (the claim with run_at, as for run_at set at
    // enqueue from the same clock; the scheduler with cooldown_until), and a model call's learned
    // duration runs from the start the database stamped. They agree while the two clocks do (one
    // machine, or NTP). Leases are the database's own times and do not depend on this clock.
    const finishedAt = this.#clock.now();
    const failed = outcome === "failed" || outcome === "timed_out";
    // A model that answered 429 or a server error cools down for everyone; the task itself is
    // tried again at once, on another model (the scheduler prefers the failed model's fallbacks).
    const providerFault = error instanceof ProviderError && error.retryable && usage.aiModel !== undefined;
    if (providerFault) this.#coolDown(usage.aiModel!, error, finishedAt);
    const retryAt =
      failed && task.attempt < task.maxAttempts
        ? new Date(
            finishedAt.getTime() +
              (providerFault ? 0 : retryDelayMs(task.attempt, this.#deps.config.tasks.retry)),
          )
        : null;
    const report: AttemptReport = {
      taskId: task.id,
      attempt: task.attempt,
      outcome,
      result: outcome === "succeeded" ? (output ?? null) : undefined,
      error: failed || outcome === "released" ? describeError(error) : undefined,
      aiModel: usage.aiModel ?? null,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costUsd: usage.costUsd,
      queuedAt: task.readyAt,
      startedAt: task.startedAt,
      finishedAt,
      retryAt,
      task,
    };
    this.#batcher.add(report);
    endAttemptSpan(running.span, report);
    this.emit("finished", report);
    this.#claimSoon("slots");
  }

  #coolDown(modelId: string, error: ProviderError, at: Date): void {
    const ms = error.retryAfterMs ?? (error.kind === "rate_limited" ? 10_000 : 5_000);
    const reason = `${error.kind}${error.status ? ` (${error.status})` : ""}: ${error.message}`.slice(0, 500);
    startCooldown(this.#deps.db, modelId, new Date(at.getTime() + ms), reason).catch((e) =>
      this.#reportError(e),
    );
  }

  /** Drops a task from the running set; false if it was already dropped. */
  #forget(running: Running): boolean {
    if (this.#running.get(running.task.id) !== running) return false;
    this.#running.delete(running.task.id);
    if (running.timer) clearTimeout(running.timer);
    this.#claims.ended(running.claimId);
    this.#claimSoon("slots");
    return true;
  }

  async #heartbeat(): Promise<void> {
    const ids = [...this.#running.keys()];
    if (ids.length === 0) return;
    const lost = await extendLeases(this.#deps.db, this.workerId, ids, this.#options.leaseMs);
    for (const id of lost) abort(this.#running.get(id), "lease_lost");
  }

  async #maintain(): Promise<void> {
    const { db, config, logger } = this.#deps;
    const leases = await expireLeases(db, config.tasks.urgencyStepSeconds);
    if (leases.requeued + leases.failed > 0)
      logger.warn(leases, "expired leases: tasks of stopped workers handed back");
    const blocked = await repairBlockedTasks(db);
    if (blocked.queued + blocked.failed > 0) logger.warn(blocked, "blocked tasks repaired");
  }

  #runStep(step: MaintenanceStep): void {
    if (this.#stepsRunning.has(step)) return;
    const run = (async () => {
      try {
        await step.run();
      } catch (error) {
        const context = { err: error, worker: this.workerId, step: step.name };
        this.#deps.logger.warn(context, `worker: ${step.name} failed; will try again`);
      } finally {
        this.#stepsRunning.delete(step);
      }
    })();
    this.#stepsRunning.set(step, run);
  }

  #reportError(error: unknown): void {
    this.#deps.logger.warn(
      { err: error, worker: this.workerId },
      "worker: database operation failed; will retry",
    );
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }
}
