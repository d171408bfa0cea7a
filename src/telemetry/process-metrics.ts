import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { Queryable } from "../db/database.ts";
import type { AssignmentResult } from "../models/model-assignment.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { AttemptReport } from "../tasks/complete-tasks.ts";
import type { ClaimedTask } from "../tasks/task.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";
import { registerDatabaseGauges } from "./database-gauges.ts";
import { LabelLimits } from "./label-limits.ts";

/**
 * Histogram boundaries in seconds for AI work: a no-op task takes a millisecond, a model call
 * seconds to minutes, an agent's task up to hours. 16 boundaries from 1 ms to 4 h, about ×2.5–×4
 * apart, so that a quantile read from them is as precise at every scale; longer goes in +Inf.
 */
export const durationBucketsSeconds = [
  0.001, 0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60, 180, 600, 1_800, 3_600, 7_200, 14_400,
] as const;

/**
 * Claimed tasks remembered until their attempt's report arrives (reports carry no stage or kind).
 * A task that never reports here (cancelled or lost while running, left leased when assignment
 * failed) is dropped oldest first past this many: far more than any pool runs at once.
 */
export const maxRememberedClaims = 10_000;

/** The worker pool's events read here (src/workers/worker-pool.ts), without importing it: workers is this layer's sibling. */
export interface AttemptSource {
  on(event: "claimed", listener: (tasks: ClaimedTask[]) => void): unknown;
  on(event: "assigned", listener: (result: AssignmentResult) => void): unknown;
  on(event: "finished", listener: (report: AttemptReport) => void): unknown;
  off(event: "claimed" | "assigned" | "finished", listener: (...args: never[]) => void): unknown;
}

export interface ProcessMetricsDeps {
  db: Queryable;
  kinds: TaskKindRegistry;
  models: ModelRegistry;
  logger: Logger;
}

/**
 * This Steward's Prometheus metrics, in a Registry of its own (never prom-client's global one,
 * so two Stewards in one process do not collide): the attempts its worker pools finish, counted
 * as they finish; the queue and the models' requests in flight, read from the database at scrape
 * time (database-gauges.ts); and Node's process metrics, registered on the first scrape, so that
 * a Steward nobody scrapes (a CLI command, a test) keeps no GC observer or event-loop monitor.
 */
export class ProcessMetrics {
  readonly register = new Registry();
  readonly #labels = new LabelLimits();
  readonly #claimed = new Map<number, { stage: string; kind: string }>();
  #defaultMetrics = false;

  readonly #attempts = new Counter({
    name: "steward_task_attempts_total",
    help: "Attempts finished by this process's workers, by stage, kind, model and outcome.",
    labelNames: ["stage", "kind", "model", "outcome"] as const,
    registers: [this.register],
  });
  readonly #duration = new Histogram({
    name: "steward_task_duration_seconds",
    help: "How long attempts ran (start to finish) in this process's workers.",
    labelNames: ["stage", "kind", "model"] as const,
    buckets: [...durationBucketsSeconds],
    registers: [this.register],
  });
  readonly #queueWait = new Histogram({
    name: "steward_queue_wait_seconds",
    help: "How long tasks waited from ready to started, for the attempts this process's workers ran.",
    labelNames: ["stage", "kind"] as const,
    buckets: [...durationBucketsSeconds],
    registers: [this.register],
  });
  readonly #tokens = new Counter({
    name: "steward_tokens_total",
    help: "Model tokens used by attempts in this process, by model and direction (input, output).",
    labelNames: ["model", "direction"] as const,
    registers: [this.register],
  });
  readonly #cost = new Counter({
    name: "steward_cost_usd_total",
    help: "Model cost in US dollars of attempts in this process, by model.",
    labelNames: ["model"] as const,
    registers: [this.register],
  });

  constructor(deps: ProcessMetricsDeps) {
    registerDatabaseGauges(this.register, deps, this.#labels);
  }

  /** Counts what `pool` claims and finishes from now on; the function returned stops it. */
  watch(pool: AttemptSource): () => void {
    const claimed = (tasks: ClaimedTask[]) => {
      for (const task of tasks) this.#remember(task);
    };
    const assigned = (result: AssignmentResult) => {
      // Handed back without an attempt: no report will come.
      for (const { task } of result.waiting) this.#claimed.delete(task.id);
    };
    const finished = (report: AttemptReport) => this.#record(report);
    pool.on("claimed", claimed);
    pool.on("assigned", assigned);
    pool.on("finished", finished);
    return () => {
      pool.off("claimed", claimed);
      pool.off("assigned", assigned);
      pool.off("finished", finished);
    };
  }

  /** The exposition text and its content type. Never throws for the database: see database-gauges.ts. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    if (!this.#defaultMetrics) {
      this.#defaultMetrics = true;
      collectDefaultMetrics({ register: this.register });
    }
    return { contentType: this.register.contentType, text: await this.register.metrics() };
  }

  #remember(task: ClaimedTask): void {
    this.#claimed.delete(task.id); // claimed again: it moves to the newest end
    this.#claimed.set(task.id, { stage: task.stage, kind: task.kind });
    if (this.#claimed.size > maxRememberedClaims) {
      const oldest = this.#claimed.keys().next();
      if (!oldest.done) this.#claimed.delete(oldest.value);
    }
  }

  #record(report: AttemptReport): void {
    const task = this.#claimed.get(report.taskId);
    this.#claimed.delete(report.taskId);
    const labels = this.#labels;
    // "unknown": a report whose claim was dropped from the bounded memory above (not seen in practice).
    const stage = labels.value("stage", task?.stage ?? "unknown");
    const kind = labels.value("kind", task?.kind ?? "unknown");
    const model = labels.model(report.aiModel);
    this.#attempts.inc({ stage, kind, model, outcome: report.outcome });
    const seconds = (to: Date, from: Date) => Math.max(0, to.getTime() - from.getTime()) / 1_000;
    this.#duration.observe({ stage, kind, model }, seconds(report.finishedAt, report.startedAt));
    this.#queueWait.observe({ stage, kind }, seconds(report.startedAt, report.queuedAt));
    if (report.inputTokens) this.#tokens.inc({ model, direction: "input" }, report.inputTokens);
    if (report.outputTokens) this.#tokens.inc({ model, direction: "output" }, report.outputTokens);
    if (report.costUsd) this.#cost.inc({ model }, report.costUsd);
  }
}
