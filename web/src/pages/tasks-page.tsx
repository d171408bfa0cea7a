import { useEffect, useRef, useState } from "preact/hooks";
import { DepthChart } from "../components/depth-chart.tsx";
import { Mono } from "../components/mono.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { WaitingBreakdown } from "../components/waiting-breakdown.tsx";
import { formatDuration, formatTime } from "../format.ts";
import { failureText, serverUnreachable } from "../http-client.ts";
import { fetchWaiting } from "../overview-api.ts";
import {
  fetchTasks,
  pauseKind,
  resumeKind,
  type TaskFilter,
  type TaskStats,
  type TaskSummary,
  taskStatuses,
} from "../task-api.ts";
import { hrefFor } from "../use-hash-route.ts";
import { usePolled } from "../use-polled.ts";
import type { TaskEvents } from "../use-task-events.ts";

/** What each event carries; more, or a filter, is fetched from GET /api/tasks. */
const newestInEvent = 20;
const pageSize = 50;
const waitingRefreshMs = 5_000;

export function TasksPage({ events }: { events: TaskEvents }) {
  const stats = events.data?.stats;
  return (
    <div class="page">
      <div class="page-title">
        <h1>Tasks</h1>
        <LiveIndicator events={events} />
      </div>
      {events.connection === "reconnecting" ? (
        <div class="banner banner-error" role="alert" data-testid="events-problem">
          {serverUnreachable}
          {stats ? " Showing the last known state." : ""}
        </div>
      ) : (
        events.problem && (
          <div class="banner banner-error" role="alert" data-testid="events-problem">
            {events.problem}
          </div>
        )
      )}
      {stats === undefined ? (
        <p class="muted">Loading tasks…</p>
      ) : (
        <>
          <div class="cards cards-tasks">
            <QueueCard stats={stats} />
            <PausedKindsCard stats={stats} />
          </div>
          <WaitingCard />
          <TaskList events={events} />
        </>
      )}
    </div>
  );
}

function LiveIndicator({ events }: { events: TaskEvents }) {
  const live = events.connection === "live";
  return (
    <span class="muted live" data-testid="live-state">
      <span class={`dot ${live ? "dot-live" : "dot-down"}`} />
      {live ? "Live" : events.connection === "connecting" ? "Connecting…" : "Reconnecting…"}
    </span>
  );
}

function QueueCard({ stats }: { stats: TaskStats }) {
  const count = (status: string) =>
    stats.depth.filter((d) => d.status === status).reduce((sum, d) => sum + d.count, 0);
  return (
    <section class="card">
      <h2>Live work</h2>
      <div class="counters">
        <Counter label="Running" value={count("running")} testId="running-count" />
        <Counter label="Queued" value={count("queued")} testId="queued-count" />
        <Counter label="Blocked" value={count("blocked")} testId="blocked-count" />
      </div>
      <DepthChart depth={stats.depth} kinds={stats.kinds.map((k) => k.name)} />
    </section>
  );
}

/** Why queued and blocked tasks wait: asked for less often than the live counts, it reads more. */
function WaitingCard() {
  const { data, error } = usePolled(fetchWaiting, waitingRefreshMs, "why tasks wait");
  return (
    <section class="card waiting-card" data-testid="tasks-waiting">
      <h2>Why tasks wait</h2>
      {error && error !== serverUnreachable && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      {data === null ? !error && <p class="muted">Loading…</p> : <WaitingBreakdown waiting={data} />}
    </section>
  );
}

function Counter({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div class="counter">
      <span class="counter-value" data-testid={testId}>
        {value}
      </span>
      <span class="muted">{label}</span>
    </div>
  );
}

function PausedKindsCard({ stats }: { stats: TaskStats }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const unpaused = stats.kinds
    .map((k) => k.name)
    .filter((name) => !stats.paused.some((p) => p.kind === name));
  const [toPause, setToPause] = useState("");

  async function act(kind: string, action: (kind: string) => Promise<void>) {
    setBusy(kind);
    setError(null);
    try {
      await action(kind);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="card" data-testid="paused-kinds">
      <h2>Paused kinds</h2>
      {stats.paused.length === 0 ? (
        <p class="muted">None: workers claim every kind.</p>
      ) : (
        <ul class="plain-list">
          {stats.paused.map((pause) => (
            <li key={pause.kind} class="paused-kind" data-testid="paused-kind" data-kind={pause.kind}>
              <div>
                <span class="mono strong">{pause.kind}</span>
                <span class="muted">
                  {" "}
                  since {formatTime(pause.pausedAt)}
                  {pause.reason ? ` · ${pause.reason}` : ""}
                </span>
              </div>
              <button
                type="button"
                class="button"
                disabled={busy !== null}
                onClick={() => act(pause.kind, resumeKind)}
                data-testid="resume-kind"
              >
                Resume
              </button>
            </li>
          ))}
        </ul>
      )}
      {unpaused.length > 0 && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (toPause) void act(toPause, pauseKind).then(() => setToPause(""));
          }}
        >
          <select
            value={toPause}
            onChange={(e) => setToPause(e.currentTarget.value)}
            aria-label="Kind to pause"
            data-testid="pause-kind-select"
          >
            <option value="">Pause a kind…</option>
            {unpaused.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <button type="submit" class="button" disabled={!toPause || busy !== null} data-testid="pause-kind">
            Pause
          </button>
        </form>
      )}
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function TaskList({ events }: { events: TaskEvents }) {
  const [filter, setFilter] = useState<TaskFilter>({ status: "", search: "" });
  const [limit, setLimit] = useState(newestInEvent);
  const { tasks, loading, error } = useTaskList(events, filter, limit);

  return (
    <section class="card task-list">
      <div class="list-head">
        <h2>Tasks, newest first</h2>
        <div class="filters">
          <input
            type="search"
            placeholder="Search id, kind, stage, model, error"
            value={filter.search}
            onInput={(e) => setFilter({ ...filter, search: e.currentTarget.value })}
            aria-label="Search tasks"
            data-testid="task-search"
          />
          <select
            value={filter.status}
            onChange={(e) => setFilter({ ...filter, status: e.currentTarget.value as TaskFilter["status"] })}
            aria-label="Status"
            data-testid="task-status-filter"
          >
            <option value="">Any status</option>
            {taskStatuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
      </div>
      {/* An unreachable server is said once, at the top of the page. */}
      {error && error !== serverUnreachable && (
        <div class="banner banner-error" role="alert" data-testid="task-list-error">
          {error}
        </div>
      )}
      <table data-testid="task-table" class={loading ? "loading" : undefined} aria-busy={loading}>
        <thead>
          <tr>
            <th>ID</th>
            <th>Kind</th>
            <th>Stage</th>
            <th>Status</th>
            <th class="num">Attempts</th>
            <th>Model</th>
            <th>Created</th>
            <th>Ran for</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <TaskRow key={task.id} task={task} />
          ))}
        </tbody>
      </table>
      {tasks.length === 0 && !loading && (
        <p class="muted" data-testid="task-list-empty">
          {filter.search || filter.status ? "No task matches." : "No tasks yet."}
        </p>
      )}
      {tasks.length >= limit && limit < 500 && (
        <button
          type="button"
          class="button more"
          onClick={() => setLimit(limit === newestInEvent ? pageSize : Math.min(500, limit + pageSize))}
          data-testid="show-more"
        >
          Show more
        </button>
      )}
    </section>
  );
}

function TaskRow({ task }: { task: TaskSummary }) {
  const open = () => {
    window.location.hash = hrefFor.task(task.id);
  };
  return (
    <tr
      class="clickable"
      onClick={open}
      data-testid="task-row"
      data-task-id={task.id}
      data-status={task.status}
    >
      <td class="mono">
        <a href={hrefFor.task(task.id)} onClick={(e) => e.stopPropagation()}>
          #{task.id}
        </a>
      </td>
      <td class="mono">{task.kind}</td>
      <td>{task.stage}</td>
      <td>
        <StatusBadge status={task.status} testId="task-row-status" />
      </td>
      <td class="num">
        {task.attempts}/{task.maxAttempts}
      </td>
      <td>
        <Mono value={task.aiModel} />
      </td>
      <td>{formatTime(task.createdAt)}</td>
      <td>{formatDuration(task.startedAt, task.finishedAt)}</td>
      <td class="error-cell" title={task.error?.message}>
        {task.error ? `${task.error.class}: ${task.error.message}` : ""}
      </td>
    </tr>
  );
}

/**
 * The tasks to show. Unfiltered, the newest ones come with each event; with a filter or a
 * longer list they are fetched, again whenever an event shows that something moved.
 */
function useTaskList(events: TaskEvents, filter: TaskFilter, limit: number) {
  const [fetched, setFetched] = useState<{ tasks: TaskSummary[]; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState(filter.search);
  const fromEvents = filter.status === "" && search.trim() === "" && limit <= newestInEvent;
  const key = JSON.stringify({ status: filter.status, search, limit });

  // Typing is not a request per key: wait for a pause.
  useEffect(() => {
    const timer = setTimeout(() => setSearch(filter.search), 250);
    return () => clearTimeout(timer);
  }, [filter.search]);

  useEffect(() => {
    if (fromEvents) return;
    const controller = new AbortController();
    fetchTasks({ status: filter.status, search }, controller.signal, limit)
      .then((tasks) => {
        setFetched({ tasks, key });
        setError(null);
      })
      .catch((e: Error) => {
        if (!controller.signal.aborted) setError(failureText("the tasks", e));
      });
    return () => controller.abort();
  }, [fromEvents, key, events.version]);

  // While a new filter loads, the rows shown before stay (dimmed) rather than blink away.
  const shown = useRef<TaskSummary[]>([]);
  const loading = !fromEvents && fetched?.key !== key;
  if (fromEvents) shown.current = events.data?.tasks ?? [];
  else if (!loading) shown.current = fetched?.tasks ?? [];
  return { tasks: shown.current, loading, error: fromEvents ? null : error };
}
