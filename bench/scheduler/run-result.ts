import type { CallOutcome } from "./sim-provider.ts";
import type { StrategyName } from "./strategies.ts";

/** What one run of the simulator (simulate.ts) leaves behind: every task's end, and the totals. */

export interface TaskRecord {
  id: number;
  kind: string;
  stage: string;
  urgency: number;
  arrivalMs: number;
  deadlineMs: number;
  /**
   * When it succeeded; for a task that failed for good, one deadline window after its last
   * failure or its deadline, whichever is later.
   */
  endMs: number;
  outcome: "succeeded" | "failed";
  attempts: number;
}

/** One run: its tasks, its attempts and their failures, what it cost. */
export interface RunResult {
  world: string;
  scenario: string;
  /** The world's stages, in its order (metrics are reported per stage). */
  stages: string[];
  strategy: StrategyName;
  seed: number;
  tasks: TaskRecord[];
  attempts: number;
  failedAttempts: number;
  failuresByKind: Record<CallOutcome["kind"] | "rejected", number>;
  costUsd: number;
  /** Calls to the strategy, for the curious. */
  dispatches: number;
  /** Simulated time at which the last task ended, ms since the start. */
  endedAtMs: number;
}
