import type { Logger } from "pino";
import { type EnqueueDeps, enqueueTasks } from "../tasks/enqueue-tasks.ts";
import { requireKnownKinds } from "../tasks/require-kinds.ts";
import type { TaskInput } from "../tasks/task-input.ts";
import { type DemoIdea, ensureDemoIdeas } from "./demo-ideas.ts";
import { type DemoKindName, demoKindNames, demoSkills } from "./demo-kinds.ts";

/**
 * The demo workload of `steward start`: a few simulated tasks a second, so that a new
 * installation shows work flowing. Each second it enqueues one request: single tasks of the
 * three demo kinds, with mixed urgency and complexity, and now and then a chain in which an
 * implementation waits for its plan (a dependency) and an improvement waits for both.
 */

export interface DemoWorkloadOptions {
  /** Average tasks enqueued a second (default 3). */
  tasksPerSecond?: number;
  /** How often a request is sent (default every 1000 ms). */
  intervalMs?: number;
  random?: () => number;
}

export interface DemoWorkload {
  ideas: DemoIdea[];
  /** Tasks enqueued so far. */
  readonly enqueued: number;
  /** Stops enqueuing; resolves when the request in flight (if any) has finished. */
  stop(): Promise<void>;
}

/** What the demo needs: what enqueueing needs, and a logger for what it could not enqueue. */
type WorkloadDeps = EnqueueDeps & { logger: Logger };

/** Creates the demo ideas, enqueues a first request at once (so that a problem shows at start), then one per interval. */
export async function startDemoWorkload(
  deps: WorkloadDeps,
  options: DemoWorkloadOptions = {},
): Promise<DemoWorkload> {
  requireKnownKinds(deps.kinds, demoKindNames);
  const random = options.random ?? Math.random;
  const intervalMs = options.intervalMs ?? 1_000;
  const perRequest = ((options.tasksPerSecond ?? 3) * intervalMs) / 1_000;
  const ideas = await ensureDemoIdeas(deps.db);
  let enqueued = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const send = async () => {
    const tasks = demoRequest(ideas, perRequest, random);
    enqueued += (await enqueueTasks(deps, tasks)).length;
  };
  const tick = () => {
    inFlight = send()
      .catch((error) => deps.logger.warn({ err: error }, "demo: could not enqueue; will try again"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };

  await send();
  timer = setTimeout(tick, intervalMs);
  return {
    ideas,
    get enqueued() {
      return enqueued;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

/** One request of about `perRequest` tasks (a chain counts as its length). */
export function demoRequest(ideas: DemoIdea[], perRequest: number, random: () => number): TaskInput[] {
  const count = Math.floor(perRequest) + (random() < perRequest % 1 ? 1 : 0);
  const tasks: TaskInput[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const level = () => Math.floor(random() * 11);
  const task = (kind: DemoKindName, idea: DemoIdea, extra: Partial<TaskInput> = {}): TaskInput => ({
    kind,
    ideaId: idea.id,
    urgency: level(),
    complexity: level(),
    capabilities: [demoSkills[kind]],
    payload: { simulated: true, idea: idea.key },
    ...extra,
  });
  while (tasks.length < count) {
    const idea = pick(ideas);
    if (count - tasks.length >= 3 && random() < 0.3) {
      const n = tasks.length;
      tasks.push(
        task("implement_idea", idea, { ref: `plan-${n}` }),
        task("idea_implementation", idea, { ref: `build-${n}`, dependsOn: [`plan-${n}`] }),
        task("self_improvement", idea, { dependsOn: [`plan-${n}`, `build-${n}`] }),
      );
    } else tasks.push(task(pick(demoKindNames), idea));
  }
  return tasks;
}
