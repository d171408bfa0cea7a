import type { TaskKind } from "../tasks/task-kinds.ts";
import { selfImprovementKind, selfImprovementStage } from "./fsar-plan.ts";

/**
 * The `self_improvement` kind a plan enqueues (fsar-plan.ts), for a Steward that brings no
 * handler of its own: it runs on a model the scheduler picks and asks it for the exact change
 * that carries out one action of a report, given the findings and their evidence. The answer is
 * the task's result, for a person or an agent to apply; whether it worked is for the next
 * report to say, not the model. A process that registers its own `self_improvement` kind (an
 * agent that applies changes; the demo's simulated one) replaces it.
 */
export const selfImprovementTaskKind: TaskKind = {
  name: selfImprovementKind,
  description:
    "Carries out one action of an FSAR report's proposal: asks a model for the exact change, given the findings and their evidence.",
  defaults: { stage: selfImprovementStage, timeoutMs: 120_000 },
  model: {
    estimate: (task) => ({ inputTokens: 400 + JSON.stringify(task.payload).length / 4, outputTokens: 800 }),
  },
  async run(task, { model }) {
    if (model === undefined) throw new Error(`task ${task.id} reached its handler without a model assigned`);
    const answer = await model.call({
      system:
        "You improve a running software system from its own measured findings. Propose the smallest exact change (a command, SQL, a configuration change or a code change) that carries out the action, and say how the next measurement will show it worked. Do not restate or invent numbers beyond the evidence given.",
      prompt: JSON.stringify(task.payload, null, 2),
      maxOutputTokens: 800,
    });
    return { proposal: answer.text, model: model.id, outputTokens: answer.outputTokens };
  },
};
