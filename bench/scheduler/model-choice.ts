import type { ModelState, SchedulerTask } from "../../src/scheduler/scheduler-types.ts";
import type { Random } from "./random.ts";

/** What the baseline routers (strategies.ts, capability-rules.ts) compare models by. */

/** Input plus output price per million tokens: what cost-minded rules sort by. */
export function price(model: ModelState): number {
  return model.inputPerMTok + model.outputPerMTok;
}

/**
 * A model's declared level for a task: its weakest required capability, or, for a task that
 * requires none, the mean of its declared levels (0 when it declares none).
 */
export function declaredLevel(task: SchedulerTask, model: ModelState): number {
  if (task.capabilities.length > 0) {
    return Math.min(...task.capabilities.map((skill) => model.capabilities[skill] ?? 0));
  }
  const levels = Object.values(model.capabilities);
  return levels.length === 0 ? 0 : levels.reduce((sum, level) => sum + level, 0) / levels.length;
}

/** The model with the lowest value; ties broken by `random` (or the first, in id order, when it always says 0). */
export function lowest(
  models: ModelState[],
  value: (model: ModelState) => number,
  random: Random,
): ModelState {
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

/** Never breaks a tie: `lowest` then keeps the first model in id order. */
export const firstInIdOrder: Random = () => 0;
