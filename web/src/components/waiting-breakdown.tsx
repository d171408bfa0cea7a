import { formatCount, formatTime } from "../format.ts";
import type { WaitingGroup, WaitingTasks, WaitReason } from "../overview-api.ts";
import type { ModelWaitCause } from "../task-api.ts";

/** In the order a task may pass through them, the one that needs a person last. */
const reasons: { reason: WaitReason; label: string; note: string }[] = [
  { reason: "ready", label: "Ready", note: "waiting for a free worker that runs its kind" },
  { reason: "delayed", label: "Delayed", note: "asked to run later" },
  { reason: "retrying", label: "Retrying", note: "waiting out the backoff after a failed attempt" },
  { reason: "blocked", label: "Blocked", note: "waiting for its dependencies to succeed" },
  {
    reason: "gated",
    label: "Gated",
    note: "the execution gate is closed for its kind: an FSAR report found a blocking problem (see Reports)",
  },
  { reason: "paused", label: "Paused kind", note: "no worker claims a paused kind" },
  {
    reason: "no_model",
    label: "No model",
    note: "a worker claimed it and found no model that could take it then; it is tried again later",
  },
];

const causes: Record<ModelWaitCause, string> = {
  unavailable: "no configured model can take it",
  budget: "budgets spent",
  cooldown: "models cooling down",
  rate_limit: "models at their per-minute limits",
  capacity: "the models that can take it are busy",
};

/**
 * Queued and blocked tasks by why they wait, one row a reason: how many, of which kinds, and
 * what to know (when the first delayed one is due; the scheduler's words for those no model takes).
 */
export function WaitingBreakdown({ waiting }: { waiting: WaitingTasks }) {
  if (waiting.total === 0)
    return (
      <p class="muted" data-testid="waiting-none">
        Nothing waits: every task is running or finished.
      </p>
    );
  const shown = reasons.filter((r) => waiting.byReason[r.reason] > 0);
  return (
    <>
      <table class="waiting-table" data-testid="waiting-table">
        <tbody>
          {shown.map(({ reason, label, note }) => {
            const groups = waiting.groups.filter((g) => g.reason === reason);
            return (
              <tr key={reason} data-testid="waiting-row" data-reason={reason}>
                <th scope="row">
                  <span class="strong">{label}</span>
                  <span class="muted waiting-note">{note}</span>
                </th>
                <td class="num waiting-count" data-testid="waiting-count">
                  {formatCount(waiting.byReason[reason])}
                </td>
                <td class="waiting-detail">
                  {reason === "no_model" ? <NoModelGroups groups={groups} /> : <Kinds groups={groups} />}
                  {reason === "delayed" && groups.length > 0 && (
                    <span class="muted"> · first due {formatTime(earliest(groups))}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {waiting.counted < waiting.total && (
        <p class="muted" data-testid="waiting-sampled">
          Of {formatCount(waiting.total)} waiting tasks, the reasons of the first{" "}
          {formatCount(waiting.counted)} in queue order are shown.
        </p>
      )}
    </>
  );
}

function Kinds({ groups }: { groups: WaitingGroup[] }) {
  return (
    <span class="waiting-kinds">
      {groups.map((g, i) => (
        <span key={g.kind}>
          {i > 0 && ", "}
          <span class="mono">{g.kind}</span> <span class="muted">{formatCount(g.count)}</span>
        </span>
      ))}
    </span>
  );
}

function NoModelGroups({ groups }: { groups: WaitingGroup[] }) {
  return (
    <ul class="plain-list">
      {groups.map((g) => (
        <li key={`${g.kind}:${g.cause}`} data-testid="waiting-no-model" data-kind={g.kind}>
          <span class="mono">{g.kind}</span> <span class="muted">{formatCount(g.count)}</span>:{" "}
          {g.cause ? causes[g.cause] : "no model"}
          {g.explanation && (
            <span class="muted waiting-explanation" data-testid="waiting-explanation" title={g.explanation}>
              {" "}
              ({clip(g.explanation, 140)})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The scheduler's words can run long (every model's reason): the whole is in the tooltip. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function earliest(groups: WaitingGroup[]): string {
  // ISO times in UTC sort as text.
  return groups.map((g) => g.earliestRunAt).sort()[0]!;
}
