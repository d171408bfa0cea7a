import type { AttemptOutcome, TaskStatus } from "../task-api.ts";

/** A task's status or an attempt's outcome, coloured by what it means for the person reading. */
export function StatusBadge({ status, testId }: { status: TaskStatus | AttemptOutcome; testId?: string }) {
  return (
    <span class={`badge status-${status}`} data-testid={testId}>
      {status.replaceAll("_", " ")}
    </span>
  );
}
