import { useEffect, useState } from "preact/hooks";
import { AssignmentCard } from "../components/assignment-card.tsx";
import { CollapsiblePre } from "../components/collapsible-pre.tsx";
import { Mono } from "../components/mono.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { formatDuration, formatJson, formatMs, formatTime } from "../format.ts";
import { failureText } from "../http-client.ts";
import { ApiError, cancelTask, fetchTask, retryTask, type TaskDetail, type TaskLink } from "../task-api.ts";
import { hrefFor } from "../use-hash-route.ts";
import { useNow } from "../use-now.ts";
import type { TaskEvents } from "../use-task-events.ts";

/** One task: its fields, payload, outcome, dependencies and every attempt. Refreshed as events arrive. */
export function TaskDetailPage({ id, events }: { id: number; events: TaskEvents }) {
  const { task, error, missing, reload } = useTask(id, events.version);

  return (
    <div class="page">
      <a href={hrefFor.tasks} class="back" data-testid="back-to-tasks">
        ← All tasks
      </a>
      {missing ? (
        <div class="banner banner-warning" data-testid="task-missing">
          There is no task #{id}.
        </div>
      ) : (
        <>
          {error && (
            <div class="banner banner-error" role="alert" data-testid="task-error-banner">
              {error}
              {task ? " Showing what was last loaded." : ""}
            </div>
          )}
          {task === null ? (
            !error && <p class="muted">Loading task #{id}…</p>
          ) : (
            <TaskView task={task} onChanged={reload} />
          )}
        </>
      )}
    </div>
  );
}

function TaskView({ task, onChanged }: { task: TaskDetail; onChanged: () => void }) {
  return (
    <>
      <div class="page-title">
        <h1 data-testid="task-title">
          Task #{task.id} <span class="mono muted title-kind">{task.kind}</span>
        </h1>
        <div class="title-actions">
          <StatusBadge status={task.status} testId="task-status" />
          <TaskActions task={task} onChanged={onChanged} />
        </div>
      </div>
      <div class="cards cards-detail">
        <section class="card" data-testid="task-fields">
          <h2>Task</h2>
          <dl>
            <dt>Stage</dt>
            <dd>{task.stage}</dd>
            <dt>Idea</dt>
            <dd>{task.ideaId ?? "—"}</dd>
            <dt>Urgency · complexity</dt>
            <dd>
              {task.urgency} · {task.complexity}
            </dd>
            <dt>Capabilities</dt>
            <dd>{task.capabilities.length ? task.capabilities.join(", ") : "—"}</dd>
            <dt>Attempts</dt>
            <dd data-testid="task-attempts">
              {task.attempts} of {task.maxAttempts}
            </dd>
            <dt>Model</dt>
            <dd>
              <Mono value={task.aiModel} />
            </dd>
            <dt>Tokens in · out</dt>
            <dd>
              {task.inputTokens} · {task.outputTokens}
            </dd>
            <dt>Cost</dt>
            <dd>${task.costUsd}</dd>
            <dt>Idempotency key</dt>
            <dd>
              <Mono value={task.idempotencyKey} />
            </dd>
          </dl>
        </section>
        <section class="card">
          <h2>Timing</h2>
          <dl>
            <dt>Created</dt>
            <dd>{formatTime(task.createdAt)}</dd>
            <dt>Runs from</dt>
            <dd>{formatTime(task.runAt)}</dd>
            <dt>Started</dt>
            <dd>{formatTime(task.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatTime(task.finishedAt)}</dd>
            <dt>Ran for</dt>
            <dd>{formatDuration(task.startedAt, task.finishedAt)}</dd>
            <dt>Deadline</dt>
            <dd>{formatTime(task.deadline)}</dd>
            <dt>Time limit</dt>
            <dd>{task.timeoutMs === null ? "none" : `${task.timeoutMs / 1000} s per attempt`}</dd>
            <dt>Held by</dt>
            <dd data-testid="task-locked-by">
              <Mono value={task.lockedBy} />
              {task.lockedBy && ` until ${formatTime(task.lockedUntil)}`}
            </dd>
          </dl>
        </section>
        <section class="card">
          <h2>Dependencies</h2>
          <Links title="Waits for" links={task.dependsOn} testId="task-depends-on" />
          <Links title="Needed by" links={task.dependents} testId="task-dependents" />
          <p class="muted">
            {task.dependsOn.length > 0 &&
              `If one fails, this task is ${task.onDependencyFailure === "cancel" ? "cancelled" : "failed"}.`}
            {task.pendingDependencies > 0 && ` ${task.pendingDependencies} still unfinished.`}
          </p>
        </section>
      </div>
      <div class="cards cards-two">
        <section class="card">
          <h2>Payload</h2>
          <CollapsiblePre text={formatJson(task.payload)} testId="task-payload" />
        </section>
        <section class="card">
          {task.error ? (
            <>
              {/* A task waiting to be tried again keeps its last attempt's error. */}
              <h2>{task.status === "failed" ? "Error" : "Last attempt's error"}</h2>
              <CollapsiblePre
                class="error-pre"
                text={`${task.error.class}: ${task.error.message}`}
                testId="task-error"
              />
            </>
          ) : (
            <>
              <h2>Result</h2>
              {task.status === "succeeded" ? (
                <CollapsiblePre text={formatJson(task.result)} testId="task-result" />
              ) : (
                <p class="muted">Not finished yet.</p>
              )}
            </>
          )}
        </section>
      </div>
      {task.assignment && <AssignmentCard assignment={task.assignment} pinnedModel={task.pinnedModel} />}
      <AttemptsTable task={task} />
    </>
  );
}

function TaskActions({ task, onChanged }: { task: TaskDetail; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = task.status === "queued" || task.status === "blocked" || task.status === "running";
  const retryable = task.status === "failed" || task.status === "cancelled";

  async function act(action: (id: number) => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action(task.id);
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {live && (
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() => act(cancelTask)}
          data-testid="cancel-task"
        >
          Cancel
        </button>
      )}
      {retryable && (
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() => act(retryTask)}
          data-testid="retry-task"
        >
          Retry
        </button>
      )}
      {error && (
        <span class="error-text" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

function Links({ title, links, testId }: { title: string; links: TaskLink[]; testId: string }) {
  return (
    <div class="links" data-testid={testId}>
      <span class="muted">{title}:</span>{" "}
      {links.length === 0
        ? "nothing"
        : links.map((link) => (
            <a key={link.id} href={hrefFor.task(link.id)} class="link-chip" data-testid="task-link">
              #{link.id} <StatusBadge status={link.status} />
            </a>
          ))}
    </div>
  );
}

function AttemptsTable({ task }: { task: TaskDetail }) {
  // Only kinds that run on a model have assignments: the others keep the narrower table.
  const assigned = task.attemptHistory.some((attempt) => attempt.assignment !== null);
  const columns = assigned ? 8 : 7;
  return (
    <section class="card" data-testid="attempts">
      <h2>Attempts ({task.attemptHistory.length})</h2>
      {task.attemptHistory.length === 0 ? (
        <p class="muted" data-testid="no-attempts">
          No attempt yet.
        </p>
      ) : (
        <table data-testid="attempts-table" class="attempts-table">
          <thead>
            <tr>
              <th class="num">#</th>
              <th>Outcome</th>
              <th>Model</th>
              {assigned && <th>Why this model</th>}
              <th>Worker</th>
              <th>Started</th>
              <th>Finished</th>
              <th>Took</th>
            </tr>
          </thead>
          {/* One body an attempt: its error, which may be long, gets a row of its own below it. */}
          {task.attemptHistory.map((attempt) => (
            <tbody key={attempt.attempt} class="attempt">
              <tr data-testid="attempt-row" data-outcome={attempt.outcome}>
                <td class="num">{attempt.attempt}</td>
                <td>
                  <StatusBadge status={attempt.outcome} testId="attempt-outcome" />
                </td>
                <td data-testid="attempt-model">
                  <Mono value={attempt.aiModel} />
                </td>
                {assigned && (
                  <td class="reason-cell" data-testid="attempt-assignment-reason">
                    {attempt.assignment?.reason ?? ""}
                  </td>
                )}
                <td class="mono worker-cell" data-testid="attempt-worker">
                  <BreakAtSlashes text={attempt.workerId} />
                </td>
                <td title={`queued ${formatTime(attempt.queuedAt)}`}>{formatTime(attempt.startedAt)}</td>
                <td>{formatTime(attempt.finishedAt)}</td>
                <td data-testid="attempt-took">
                  {attempt.finishedAt === null ? (
                    <RunningFor since={attempt.startedAt} />
                  ) : (
                    formatDuration(attempt.startedAt, attempt.finishedAt)
                  )}
                </td>
              </tr>
              {attempt.errorClass && (
                <tr class="attempt-error-row">
                  <td />
                  <td colSpan={columns - 1} data-testid="attempt-error">
                    <CollapsiblePre
                      class="error-pre"
                      text={`${attempt.errorClass}: ${attempt.errorMessage ?? ""}`}
                    />
                  </td>
                </tr>
              )}
            </tbody>
          ))}
        </table>
      )}
    </section>
  );
}

/** A worker id (host/pid/suffix) that may wrap after its slashes, and only there. */
function BreakAtSlashes({ text }: { text: string }) {
  const parts = text.split("/");
  return (
    <>
      {parts.map((part, i) => (
        <span key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              /<wbr />
            </>
          )}
        </span>
      ))}
    </>
  );
}

/** How long the attempt under way has run, ticking by itself. */
function RunningFor({ since }: { since: string }) {
  const now = useNow(1_000);
  return <span class="muted">{formatMs(Math.max(0, now - Date.parse(since)))} so far</span>;
}

/**
 * Loads the task, and again on each event that moved something (or after an action here).
 * The page is keyed by id (main.tsx), so another task starts from a blank state.
 */
function useTask(id: number, version: number) {
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    fetchTask(id, controller.signal)
      .then((loaded) => {
        setTask(loaded);
        setError(null);
      })
      .catch((e: Error) => {
        if (controller.signal.aborted) return;
        if (e instanceof ApiError && e.status === 404) setMissing(true);
        else setError(failureText(`task #${id}`, e));
      });
    return () => controller.abort();
  }, [id, version, reloads]);

  return { task, error, missing, reload: () => setReloads((n) => n + 1) };
}
