import type { ClaimedTask } from "../tasks/task.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";

/**
 * The demo's task kinds: the three kinds of the seed report, with handlers that only pretend.
 * Each attempt sleeps a random while (honouring its AbortSignal), names a simulated model and
 * fails now and then, so that the dashboard and `steward task ls` show work flowing, retries
 * and the odd dead task. Nothing calls a real model. Every description starts with
 * "Simulated:" so that no one mistakes them for real handlers.
 */

export interface DemoKindOptions {
  /** Each attempt takes a uniformly random time in this range (ms). */
  durationMs?: { min: number; max: number };
  /** Share of attempts that fail (0–1). */
  failureRate?: number;
  /** The source of randomness (a seeded one makes a test repeatable). */
  random?: () => number;
}

/** The error a simulated attempt fails with: its class is what `task ls` and the dashboard show. */
export class SimulatedFailure extends Error {
  override name = "SimulatedFailure";
}

const demoStages = {
  implement_idea: "Implement Ideas",
  idea_implementation: "Idea Implementation",
  self_improvement: "Self-Improvement",
} as const;

export type DemoKindName = keyof typeof demoStages;
export const demoKindNames = Object.keys(demoStages) as DemoKindName[];

const descriptions: Record<DemoKindName, string> = {
  implement_idea:
    "Simulated: turns an idea into a plan of work (sleeps, sometimes fails; no model is called).",
  idea_implementation:
    "Simulated: carries out a step of an idea's plan (sleeps, sometimes fails; no model is called).",
  self_improvement:
    "Simulated: proposes an improvement to Steward itself (sleeps, sometimes fails; no model is called).",
};

export function createDemoKinds(options: DemoKindOptions = {}): TaskKind[] {
  const { min, max } = options.durationMs ?? { min: 50, max: 800 };
  const failureRate = options.failureRate ?? 0.05;
  const random = options.random ?? Math.random;
  return demoKindNames.map((name) => ({
    name,
    description: descriptions[name],
    // A simulated attempt never takes long: a short limit keeps a stuck one from holding a slot.
    defaults: { stage: demoStages[name], timeoutMs: Math.max(10_000, max * 4) },
    async run(task, { signal, reportUsage }) {
      const tookMs = Math.round(min + random() * (max - min));
      await sleep(tookMs, signal);
      reportUsage({
        aiModel: simulatedModel(task),
        inputTokens: 200 + task.complexity * 150,
        outputTokens: 50 + Math.round(random() * 400),
      });
      if (random() < failureRate) {
        throw new SimulatedFailure(
          `simulated failure of ${name} task ${task.id}, attempt ${task.attempt} of ${task.maxAttempts} ` +
            `(the demo fails about ${Math.round(failureRate * 100)}% of attempts so that retries show)`,
        );
      }
      return { simulated: true, summary: `${demoStages[name]}: simulated work done`, tookMs };
    },
  }));
}

/** The demo kinds with their usual timing: 50–800 ms an attempt, 5% of attempts failing. */
export const demoKinds: TaskKind[] = createDemoKinds();

/** A model name that says it is not one: harder tasks "go to" a larger simulated model. */
function simulatedModel(task: ClaimedTask): string {
  if (task.complexity >= 7) return "simulated-large";
  if (task.complexity >= 4) return "simulated-medium";
  return "simulated-small";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
