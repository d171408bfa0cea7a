import { z } from "zod";
import type { TaskKind } from "./task-kinds.ts";

/** Does nothing and succeeds: for smoke tests and for measuring the engine itself. */
export const noopKind: TaskKind = {
  name: "noop",
  description: "Does nothing and succeeds (smoke tests, benchmarks).",
  async run() {
    return null;
  },
};

/** Waits `ms` milliseconds (or until aborted): a stand-in for slow work. */
export const sleepKind: TaskKind = {
  name: "sleep",
  description: 'Waits payload.ms milliseconds, then succeeds; payload { "ms": n }.',
  payload: z.strictObject({ ms: z.number().int().min(0).max(3_600_000) }),
  run(task, { signal }) {
    const { ms } = task.payload as { ms: number };
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve({ sleptMs: ms });
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/** The engine's own kinds; those that run on a model live in models/ (llm-kind.ts). */
export const engineKinds: TaskKind[] = [noopKind, sleepKind];
