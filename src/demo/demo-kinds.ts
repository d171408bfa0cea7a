import type { ClaimedTask } from "../tasks/task.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";

/**
 * The demo's task kinds: the three kinds of the seed report. They run on models like any kind
 * that declares `model`: the scheduler assigns each attempt a model, within its limits, and the
 * handler sends it a short request. In the demo those models are the simulated pool
 * (src/demo/demo-models.ts, provider type `sim`), which answers after a while, fails now and then
 * and sometimes answers 429, so that assignment, cooldowns, retries and costs show. Every
 * description starts with "Simulated:" so that no one mistakes them for real work.
 */

const demoStages = {
  implement_idea: "Implement Ideas",
  idea_implementation: "Idea Implementation",
  self_improvement: "Self-Improvement",
} as const;

export type DemoKindName = keyof typeof demoStages;
export const demoKindNames = Object.keys(demoStages) as DemoKindName[];

/** The skill each kind needs most (the demo's tasks require it; models offer it at some level). */
export const demoSkills: Record<DemoKindName, string> = {
  implement_idea: "planning",
  idea_implementation: "code",
  self_improvement: "reasoning",
};

const descriptions: Record<DemoKindName, string> = {
  implement_idea:
    "Simulated: turns an idea into a plan of work, on the assigned model (the demo's models are simulators).",
  idea_implementation:
    "Simulated: carries out a step of an idea's plan, on the assigned model (the demo's models are simulators).",
  self_improvement:
    "Simulated: proposes an improvement to Steward itself, on the assigned model (the demo's models are simulators).",
};

/** Answers grow with the task's complexity: harder work, longer answers, higher cost. */
function outputTokens(task: ClaimedTask): number {
  return 150 + task.complexity * 60;
}

export const demoKinds: TaskKind[] = demoKindNames.map((name) => ({
  name,
  description: descriptions[name],
  defaults: { stage: demoStages[name], timeoutMs: 30_000 },
  model: {
    estimate: (task) => ({ inputTokens: 200 + task.complexity * 150, outputTokens: outputTokens(task) }),
  },
  async run(task, { model }) {
    if (model === undefined) throw new Error(`task ${task.id} reached its handler without a model assigned`);
    const answer = await model.call({
      system: "You are a simulated worker of Steward's demo.",
      prompt: `${demoStages[name]}: task ${task.id} (complexity ${task.complexity}) for ${JSON.stringify(task.payload)}`,
      maxOutputTokens: outputTokens(task),
    });
    return {
      simulated: true,
      summary: `${demoStages[name]}: simulated work done on ${model.id}`,
      outputTokens: answer.outputTokens,
      latencyMs: answer.latencyMs,
    };
  },
}));
