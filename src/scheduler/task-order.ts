import type { SchedulerTask } from "./scheduler-types.ts";
import type { SchedulerWeights } from "./scheduler-weights.ts";
import { taskWeight } from "./score-model.ts";

/**
 * The order in which one call considers its tasks: most pressing first, so that when capacity is
 * short it goes where lateness would cost most. The rule is the Apparent Tardiness Cost priority
 * (Vepsalainen and Morton, 1987), a standard heuristic for weighted tardiness on parallel
 * machines:
 *
 *   index = (weight ÷ p) × exp(−max(0, due − now − p) ÷ (K × p̄))
 *
 * where p is the task's shortest expected duration on a model that may take it, p̄ the mean of p
 * over the call's tasks, and K the look-ahead (`pressureLookahead`). A task with little slack
 * left ranks by weight ÷ duration (short, urgent work first); one with plenty of slack ranks lower
 * the more slack it has. Ties: earlier due time, then lower task id.
 */

export interface PressureItem {
  task: SchedulerTask;
  /** Shortest expected duration of one attempt on an eligible model, ms; null when none may take it. */
  processingMs: number | null;
}

export function orderByPressure<T extends PressureItem>(
  items: readonly T[],
  now: number,
  weights: SchedulerWeights,
): T[] {
  const durations = items.flatMap((item) => (item.processingMs === null ? [] : [item.processingMs]));
  const mean = durations.length === 0 ? 1 : durations.reduce((a, b) => a + b, 0) / durations.length;
  const scale = Math.max(1, weights.pressureLookahead * mean);
  const keyed = items.map((item) => {
    const due = item.task.deadline ?? item.task.readyAt + weights.noDeadlineHorizonMs;
    if (item.processingMs === null) return { item, due, logIndex: Number.NEGATIVE_INFINITY };
    const p = Math.max(1, item.processingMs);
    const slack = Math.max(0, due - now - p);
    // In logarithms: exp() of a long slack underflows to 0 and would erase the order among them.
    return { item, due, logIndex: Math.log(taskWeight(item.task) / p) - slack / scale };
  });
  keyed.sort((a, b) => b.logIndex - a.logIndex || a.due - b.due || a.item.task.id - b.item.task.id);
  return keyed.map((k) => k.item);
}
