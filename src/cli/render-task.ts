import type { KindState } from "../tasks/pause-kinds.ts";
import type { TaskDetail } from "../tasks/query-tasks.ts";
import type { TaskView } from "../tasks/task.ts";
import { renderTable } from "./render-table.ts";
import type { Jsonified } from "./steward-client.ts";

/** How tasks read on a terminal: `task ls`, `task dead`, `task show`, `task kinds`. */

export function renderTaskTable(tasks: TaskView[], now: Date, width?: number): string {
  return renderTable(
    ["ID", "KIND", "STAGE", "STATUS", "ATTEMPTS", "MODEL", "AGE", "DURATION", "ERROR"],
    tasks.map((t) => [
      t.id,
      t.kind,
      t.stage,
      t.status,
      `${t.attempts}/${t.maxAttempts}`,
      t.aiModel ?? "",
      formatDuration(now.getTime() - Date.parse(t.createdAt)),
      duration(t, now),
      t.error ? clip(`${t.error.class}: ${t.error.message}`, 48) : "",
    ]),
    { width },
  );
}

export function renderTaskDetail(task: Jsonified<TaskDetail>, now: Date): string {
  const when = (iso: string | null) =>
    iso === null ? "—" : `${iso} (${formatDuration(now.getTime() - Date.parse(iso))} ago)`;
  const links = (list: { id: number; status: string }[]) =>
    list.length ? list.map((d) => `${d.id} (${d.status})`).join(", ") : "—";
  const field = (name: string, value: string) => `${name.padEnd(14)}${value}`;
  const lines = [
    field("Task", `${task.id}  ${task.kind}, stage "${task.stage}"`),
    field("Status", `${task.status}${statusNote(task)}`),
    field("Attempts", `${task.attempts} of ${task.maxAttempts}`),
    field("Urgency", `${task.urgency}   complexity ${task.complexity}`),
    field("Capabilities", task.capabilities.length ? task.capabilities.join(", ") : "—"),
    field("Idea", task.ideaId === null ? "—" : String(task.ideaId)),
    field("Model", task.aiModel ?? "—"),
    field("Created", when(task.createdAt)),
    field("Run at", task.runAt),
    field("Started", when(task.startedAt)),
    field("Finished", when(task.finishedAt)),
    field("Duration", duration(task, now) || "—"),
    field("Deadline", task.deadline ?? "—"),
    field("Timeout", task.timeoutMs === null ? "none" : `${task.timeoutMs} ms an attempt`),
    field("Idempotency", task.idempotencyKey ?? "—"),
    field(
      "Usage",
      `${task.inputTokens} input + ${task.outputTokens} output tokens, $${dollars(task.costUsd)}`,
    ),
    field(
      "Depends on",
      `${links(task.dependsOn)}${task.pendingDependencies ? ` (${task.pendingDependencies} unfinished; if one fails: ${task.onDependencyFailure})` : ""}`,
    ),
    field("Dependents", links(task.dependents)),
  ];
  if (task.lockedBy) lines.push(field("Lease", `${task.lockedBy} until ${task.lockedUntil}`));
  lines.push("", "Payload", indent(pretty(task.payload)));
  if (task.result !== null && task.result !== undefined)
    lines.push("", "Result", indent(pretty(task.result)));
  if (task.error) lines.push("", "Error", indent(`${task.error.class}: ${task.error.message}`));
  lines.push("", "Attempts");
  lines.push(
    task.attemptHistory.length === 0
      ? "  none yet"
      : indent(
          renderTable(
            ["#", "OUTCOME", "WORKER", "MODEL", "STARTED", "DURATION", "TOKENS", "ERROR"],
            task.attemptHistory.map((a) => [
              a.attempt,
              a.outcome,
              a.workerId,
              a.aiModel ?? "",
              a.startedAt,
              a.finishedAt === null ? "" : formatDuration(Date.parse(a.finishedAt) - Date.parse(a.startedAt)),
              a.inputTokens + a.outputTokens,
              a.errorClass ? clip(`${a.errorClass}: ${a.errorMessage ?? ""}`, 60) : "",
            ]),
          ),
        ),
  );
  return lines.join("\n");
}

export function renderKindTable(kinds: Jsonified<KindState>[], width?: number): string {
  return renderTable(
    ["KIND", "STAGE", "PAUSED", "DESCRIPTION"],
    kinds.map((k) => [k.name, k.stage, pauseNote(k), k.description]),
    { width },
  );
}

function pauseNote(kind: Jsonified<KindState>): string {
  if (!kind.paused || kind.pausedAt === null) return "no";
  return `since ${kind.pausedAt.slice(0, 19).replace("T", " ")}${kind.pauseReason ? ` (${kind.pauseReason})` : ""}`;
}

function statusNote(task: TaskView): string {
  switch (task.status) {
    case "blocked":
      return ` (waiting for ${task.pendingDependencies} dependenc${task.pendingDependencies === 1 ? "y" : "ies"})`;
    case "queued":
      return task.attempts > 0 ? " (waiting to be tried again)" : "";
    case "failed":
      return " (dead: `steward task retry` queues it again)";
    default:
      return "";
  }
}

/** How long the task ran (finished), or has been running. */
function duration(task: TaskView, now: Date): string {
  if (task.startedAt === null) return "";
  const end =
    task.finishedAt === null
      ? task.status === "running"
        ? now.getTime()
        : null
      : Date.parse(task.finishedAt);
  return end === null ? "" : formatDuration(end - Date.parse(task.startedAt));
}

/** 850ms, 12.3s, 5m12s, 3h05m, 2d04h. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1_000) return `${Math.round(value)}ms`;
  if (value < 60_000) return `${(value / 1_000).toFixed(1)}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  const minutes = Math.floor(value / 60_000);
  if (minutes < 60) return `${minutes}m${pad(Math.floor((value % 60_000) / 1_000))}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d${pad(hours % 24)}h`;
}

/** "0.01500000" → "0.015": the column keeps 8 decimals, a person needs the ones that count. */
function dollars(exact: string): string {
  return exact.includes(".") ? exact.replace(/0+$/, "").replace(/\.$/, "") : exact;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

function clip(text: string, length: number): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
