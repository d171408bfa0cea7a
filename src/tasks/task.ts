import type { ScoreEstimates } from "../scheduler/scheduler-types.ts";
import type { ProviderErrorKind } from "./model-call.ts";

/** Task shapes as the engine hands them out. Columns are in migrations/ and docs/schema.sql. */

export type TaskStatus = "blocked" | "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const finalStatuses: readonly TaskStatus[] = ["succeeded", "failed", "cancelled"];

export type AttemptOutcome =
  | "running"
  | "succeeded"
  | "failed"
  | "timed_out"
  | "cancelled"
  | "lease_lost"
  | "released";

export interface TaskError {
  /** A short class: the error's name (`TypeError`, `TimeoutError`, `DependencyFailed`, …). */
  class: string;
  message: string;
}

/**
 * The class of a failed model call's error, with what the provider did: ProviderError(timeout),
 * ProviderError(server_error), … The worker records it and the completion reads it, so both
 * spell it from here.
 */
export function providerErrorClass(kind: ProviderErrorKind): string {
  return `ProviderError(${kind})`;
}

/** A model's 429. The completion does not learn from it: it says nothing of the model's work. */
export const rateLimitedErrorClass = providerErrorClass("rate_limited");

/** A task as a worker holds it after claiming it. */
export interface ClaimedTask {
  id: number;
  kind: string;
  stage: string;
  ideaId: number | null;
  urgency: number;
  complexity: number;
  capabilities: string[];
  payload: unknown;
  aiModel: string | null;
  /** This attempt's number (1 for the first). */
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  deadline: Date | null;
  /** When the task became ready to run: the start of its queue wait. */
  readyAt: Date;
  startedAt: Date;
  /**
   * readyAt, startedAt and deadline to the microsecond, as the database holds them (a Date holds
   * milliseconds): the worker rolls up its plain successes from them, and must agree with SQL
   * (reported-rollups.ts). Set on every task a claim returns; absent on tasks made otherwise.
   */
  micros?: { readyAt: number; startedAt: number; deadline: number | null };
}

/** A task as the API and CLI show it. */
export interface TaskView {
  id: number;
  kind: string;
  stage: string;
  status: TaskStatus;
  ideaId: number | null;
  urgency: number;
  complexity: number;
  capabilities: string[];
  payload: unknown;
  result: unknown;
  error: TaskError | null;
  aiModel: string | null;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number | null;
  runAt: string;
  deadline: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  idempotencyKey: string | null;
  lockedBy: string | null;
  lockedUntil: string | null;
  pendingDependencies: number;
  onDependencyFailure: "fail" | "cancel";
  /** For kinds that run on a model: the model it must run on, if pinned. */
  pinnedModel: string | null;
}

/**
 * Why a task of a kind that runs on a model got none: `unavailable`, no configured model can ever
 * take it (none configured, disabled, missing capability, complexity, context, pinned elsewhere);
 * `budget`, the budgets of every model that could are spent; `cooldown`, they cool down after a
 * 429 or a server error; `rate_limit`, they are at their requests or tokens per minute; `capacity`,
 * they are at their concurrency limit (or a mix of these passing causes).
 */
export type ModelWaitCause = "unavailable" | "budget" | "cooldown" | "rate_limit" | "capacity";

/**
 * Why the scheduler chose a model (or none) for an attempt: every model considered with the
 * score of each factor, or why it was excluded (src/scheduler/, docs/scheduling.md).
 */
export interface AssignmentView {
  at: string;
  model: string | null;
  reason: string;
  /** When no model was chosen: the kind of cause, stable enough to group and count by. */
  cause?: ModelWaitCause;
  /** When it was left to wait for one busy model: that model, and when it was expected to be free. */
  waitingFor?: { model: string; expectedWaitMs: number };
  scores: {
    modelId: string;
    score: number | null;
    factors: Record<string, number>;
    excluded: string | null;
    /**
     * What the scheduler expected of an eligible model (success, cost, lateness and the curve
     * behind them). Absent for an excluded model, and in assignments stored before the scheduler
     * priced its choices in dollars.
     */
    estimates?: ScoreEstimates;
  }[];
}

export interface AttemptView {
  taskId: number;
  attempt: number;
  workerId: string;
  aiModel: string | null;
  outcome: AttemptOutcome;
  queuedAt: string;
  startedAt: string;
  finishedAt: string | null;
  errorClass: string | null;
  errorMessage: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  assignment: AssignmentView | null;
}
