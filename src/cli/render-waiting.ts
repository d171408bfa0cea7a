import type { ModelWaitCause } from "../tasks/task.ts";
import type { WaitingTasks, WaitReason } from "../tasks/waiting-tasks.ts";

const labels: Record<WaitReason, string> = {
  ready: "ready, waiting for a worker",
  delayed: "delayed (run later)",
  retrying: "waiting to retry",
  blocked: "blocked on dependencies",
  gated: "held by the closed gate",
  paused: "paused kind",
  no_model: "no model can take them",
};

const causes: Record<ModelWaitCause, string> = {
  unavailable: "no configured model can take them",
  budget: "budgets spent",
  cooldown: "models cooling down",
  rate_limit: "models at their per-minute limits",
  capacity: "the models that can take them are busy",
};

/**
 * The lines of `steward status` that say how many tasks wait and why: one a reason, with its
 * kinds; for those no model can take, each kind's cause and the scheduler's words.
 */
export function renderWaiting(waiting: WaitingTasks | null | undefined): string[] {
  if (waiting === undefined) return [];
  if (waiting === null) return ["Waiting     unknown (the tasks could not be counted; see the log)"];
  if (waiting.total === 0) return ["Waiting     none"];
  const lines = [`Waiting     ${waiting.total} ${waiting.total === 1 ? "task" : "tasks"}`];
  const width = Math.max(...Object.values(labels).map((l) => l.length));
  const countWidth = String(Math.max(...Object.values(waiting.byReason))).length;
  for (const reason of Object.keys(labels) as WaitReason[]) {
    const count = waiting.byReason[reason];
    if (count === 0) continue;
    const groups = waiting.groups.filter((g) => g.reason === reason);
    const head = `  ${labels[reason].padEnd(width)}  ${String(count).padStart(countWidth)}  `;
    if (reason !== "no_model") {
      const due =
        reason === "delayed" || reason === "retrying"
          ? `; first due ${groups.map((g) => g.earliestRunAt).sort()[0]}`
          : "";
      lines.push(`${head}${groups.map((g) => `${g.kind} ${g.count}`).join(", ")}${due}`);
      continue;
    }
    lines.push(head.trimEnd());
    for (const g of groups) {
      const cause = g.cause === null ? "no model" : causes[g.cause];
      lines.push(`      ${g.kind} ${g.count}: ${cause}${g.explanation ? ` (${g.explanation})` : ""}`);
    }
  }
  if (waiting.counted < waiting.total)
    lines.push(`  (reasons read for the first ${waiting.counted} in queue order)`);
  return lines;
}
