import type { Span } from "@opentelemetry/api";
import { ProviderError } from "../models/providers/provider-types.ts";
import { type ClaimedTask, providerErrorClass } from "../tasks/task.ts";
import type { TaskUsage } from "../tasks/task-kinds.ts";

/**
 * A running attempt as the worker pool holds it, and what it does with one: its signal made on
 * first use, abort reasons, usage summed, errors described for the report.
 */

/** Why a running handler's signal fired. */
export type AbortReason = "timeout" | "cancelled" | "lease_lost" | "shutdown";

export class TaskAbortedError extends Error {
  constructor(readonly reason: AbortReason) {
    super(
      {
        timeout: "the attempt ran out of time",
        cancelled: "the task was cancelled",
        lease_lost: "the worker lost the task's lease",
        shutdown: "the worker is shutting down",
      }[reason],
    );
    this.name = reason === "timeout" ? "TimeoutError" : "AbortError";
  }
}

export interface Running {
  task: ClaimedTask;
  claimId: number | null;
  /**
   * Made when the handler first asks for its signal: most never do, and an AbortController for
   * every task was 40 % of the worker's CPU in a drain of no-op tasks (with its garbage; 19 against
   * 12 µs a task, docs/benchmarks.md).
   */
  controller: AbortController | null;
  /** Why the attempt was aborted, if it was (the first reason wins, as with AbortController). */
  aborted: TaskAbortedError | null;
  usage: TaskUsage;
  timer: NodeJS.Timeout | null;
  done: Promise<void>;
  /** The attempt's trace span: non-recording (and left alone) unless an SDK is registered. */
  span: Span;
}

/** A running attempt's signal, made on first use (already aborted if the attempt was). */
export function signalOf(running: Running): AbortSignal {
  if (running.controller === null) {
    running.controller = new AbortController();
    if (running.aborted) running.controller.abort(running.aborted);
  }
  return running.controller.signal;
}

export function abort(running: Running | undefined, reason: AbortReason): void {
  if (running === undefined || running.aborted) return;
  running.aborted = new TaskAbortedError(reason);
  running.controller?.abort(running.aborted);
}

export function addUsage(total: TaskUsage, more: TaskUsage): void {
  if (more.aiModel !== undefined) total.aiModel = more.aiModel;
  if (more.inputTokens) total.inputTokens = (total.inputTokens ?? 0) + more.inputTokens;
  if (more.outputTokens) total.outputTokens = (total.outputTokens ?? 0) + more.outputTokens;
  if (more.costUsd) total.costUsd = (total.costUsd ?? 0) + more.costUsd;
}

export function describeError(error: unknown): { class: string; message: string } {
  // A model call's failure says what kind it was: ProviderError(rate_limited), ProviderError(timeout), …
  if (error instanceof ProviderError)
    return { class: providerErrorClass(error.kind), message: error.message.slice(0, 4_000) };
  if (error instanceof Error) return { class: error.name || "Error", message: error.message.slice(0, 4_000) };
  return { class: "Error", message: String(error).slice(0, 4_000) };
}

export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([promise.then(() => true as const), timedOut]);
  clearTimeout(timer);
  return result;
}
