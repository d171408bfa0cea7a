import type { Logger } from "pino";
import type { z } from "zod";
import { StewardError } from "../errors.ts";
import type { ModelRequest, ModelResponse } from "./model-call.ts";
import type { ClaimedTask } from "./task.ts";

/** What a handler may report besides its output: the model that ran it and what that cost. */
export interface TaskUsage {
  aiModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface TaskHandlerContext {
  /** Fires on timeout, on cancellation, on a lost lease and when the worker is told to stop. */
  signal: AbortSignal;
  workerId: string;
  logger: Logger;
  /** Adds to this attempt's usage (tokens and cost are summed; the last model named wins). */
  reportUsage(usage: TaskUsage): void;
  /**
   * For kinds that use a model: the model the scheduler assigned to this attempt. Its `call`
   * sends a request and reports the tokens and cost of the answer as this attempt's usage.
   */
  model?: AssignedModel;
}

/** The model an attempt runs on, ready to call. */
export interface AssignedModel {
  id: string;
  provider: string;
  /** Calls the model; usage (tokens, cost at today's price) is reported for the attempt. */
  call(request: Omit<ModelRequest, "signal">): Promise<ModelResponse>;
}

/** What a kind that runs on a model tells the scheduler about a task before it runs. */
export interface ModelUse {
  /** Estimated tokens of the task's request and answer (for context windows, limits and cost). */
  estimate(task: ClaimedTask): { inputTokens: number; outputTokens: number };
}

/** A kind of task and the handler that runs it. */
export interface TaskKind {
  name: string;
  description: string;
  /** Validates the payload at enqueue, so that a bad task is refused rather than failing later. */
  payload?: z.ZodType;
  /** Defaults for tasks of this kind that do not say otherwise. */
  defaults?: { stage?: string; maxAttempts?: number; timeoutMs?: number };
  /** Set when tasks of this kind run on a model: the scheduler assigns one to each attempt. */
  model?: ModelUse;
  /** Returns the task's output (stored as `result`, JSON); throws to fail the attempt. */
  run(task: ClaimedTask, context: TaskHandlerContext): Promise<unknown>;
}

/** The kinds this Steward knows: enqueue refuses others; a worker claims only these. */
export class TaskKindRegistry {
  readonly #kinds = new Map<string, TaskKind>();

  constructor(kinds: TaskKind[] = []) {
    for (const kind of kinds) this.register(kind);
  }

  register(kind: TaskKind): this {
    if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(kind.name)) {
      throw new StewardError(
        "validation_failed",
        `Task kind name "${kind.name}" is not allowed: use 1–64 lowercase letters, digits, _ . -, starting with a letter.`,
      );
    }
    if (this.#kinds.has(kind.name))
      throw new StewardError("validation_failed", `Task kind "${kind.name}" is registered twice.`);
    this.#kinds.set(kind.name, kind);
    return this;
  }

  get(name: string): TaskKind | undefined {
    return this.#kinds.get(name);
  }

  names(): string[] {
    return [...this.#kinds.keys()].sort();
  }

  all(): TaskKind[] {
    return this.names().map((name) => this.#kinds.get(name)!);
  }
}
