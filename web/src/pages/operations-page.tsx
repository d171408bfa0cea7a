import { useEffect, useMemo, useState } from "preact/hooks";
import {
  formatAxisCount,
  formatAxisMs,
  formatAxisPercent,
  formatAxisUsd,
  scopeLabel,
} from "../chart-format.ts";
import { AlertCard } from "../components/alert-card.tsx";
import { ChartCard } from "../components/chart-card.tsx";
import { type ChartLevel, type ChartLine, TimeChart } from "../components/time-chart.tsx";
import { fetchModels, type ModelsStatus } from "../model-api.ts";
import {
  fetchAlerts,
  fetchIndicators,
  fetchStageStats,
  type IndicatorName,
  type IndicatorSeries,
  operationsWindow,
  type TargetCheckJson,
} from "../operations-api.ts";
import { usePolled } from "../use-polled.ts";
import type { TaskEvents } from "../use-task-events.ts";
import { useThroughput } from "../use-throughput.ts";

const refreshMs = 5_000;
/** Samples of the live gauges (queue depth, model load) kept in the browser: 30 min at one a 5 s. */
const keptSamples = 360;

/**
 * Operations at a glance: alerts on trend change first, then the charts of how the work flows
 * (throughput, queue depth, model utilisation) and how well (stage durations against their
 * targets, queue wait, cost per success, trust inflation). The telemetry is polled every 5 s;
 * the queue depth follows the server-sent task events, every second, and an `alerts` event on
 * the same stream fetches the alerts as soon as one opens, moves or resolves.
 */
export function OperationsPage({ events }: { events: TaskEvents }) {
  // An alert that opens, moves or resolves is said on the event stream: fetched at once.
  const indicators = usePolled(fetchIndicators, refreshMs, "the indicators", events.alertsKey);
  const stats = usePolled(fetchStageStats, refreshMs, "the stage measures");
  const alerts = usePolled(fetchAlerts, refreshMs, "the alerts", events.alertsKey);
  const models = usePolled(fetchModels, refreshMs, "the models");
  const throughput = useThroughput(30, refreshMs);
  const depth = useDepthSamples(events);
  const utilisation = useUtilisationSamples(models.data);

  const error = indicators.error ?? stats.error ?? alerts.error ?? models.error ?? throughput.error;
  const series = indicators.data?.series ?? [];
  const durationTargets = useMemo(() => targetLevels(stats.data?.targets ?? []), [stats.data]);
  const throughputLines = useMemo(
    () => [{ label: "successes", points: throughput.points }],
    [throughput.points],
  );

  return (
    <div class="page operations-page">
      <div class="page-title">
        <h1>Operations</h1>
        <span class="muted" data-testid="operations-refresh">
          last {operationsWindow} · refreshes every {refreshMs / 1000} s · queue depth live (
          {events.connection})
        </span>
      </div>
      {error && (
        <div class="banner banner-error" role="alert" data-testid="operations-error">
          {error} Showing the last known state.
        </div>
      )}
      <AlertsPanel alerts={alerts.data?.alerts ?? null} series={series} />
      <div class="chart-grid">
        <ChartCard
          title="Throughput"
          unit="successes per minute, last 30 min (the current minute so far)"
          testId="chart-throughput"
          empty={
            throughput.points.every((p) => p.value === 0)
              ? "No attempt has succeeded in the last 30 minutes."
              : null
          }
        >
          <TimeChart lines={throughputLines} format={formatAxisCount} label="Successes per minute" />
        </ChartCard>
        <ChartCard
          title="Queue depth"
          unit="live tasks by status, since this page opened"
          testId="chart-queue-depth"
          empty={depth[0]?.points.length ? null : "Waiting for the first task event…"}
        >
          <TimeChart lines={depth} format={formatAxisCount} label="Tasks blocked, queued and running" />
        </ChartCard>
        <IndicatorChart
          title="Stage durations"
          unit="average attempt duration per minute, by stage; dashed: the stage's target"
          testId="chart-duration"
          series={series}
          indicator="duration"
          format={formatAxisMs}
          levels={durationTargets}
          empty="A line per stage will appear once attempts finish."
        />
        <IndicatorChart
          title="Queue wait"
          unit="average wait from ready to started, by stage"
          testId="chart-queue-wait"
          series={series}
          indicator="queue_wait"
          format={formatAxisMs}
          empty="A line per stage will appear once attempts start."
        />
        <ChartCard
          title="Model utilisation"
          unit="in flight ÷ concurrency, per model, since this page opened"
          testId="chart-utilisation"
          empty={
            models.data && models.data.models.length === 0
              ? "No models configured: a line per model will appear when there are."
              : utilisation.length === 0
                ? "Waiting for the models…"
                : null
          }
        >
          <TimeChart lines={utilisation} format={formatAxisPercent} label="Model utilisation" />
        </ChartCard>
        <IndicatorChart
          title="Cost per success"
          unit="spend ÷ successful attempts, by stage and model"
          testId="chart-cost"
          series={series}
          indicator="cost_per_success"
          format={formatAxisUsd}
          empty="A line will appear once a model's attempt costs something and succeeds."
        />
        <IndicatorChart
          title="Trust inflation"
          unit="share of answers given as done that failed their check, by model and kind"
          testId="chart-trust"
          series={series}
          indicator="trust_inflation"
          format={formatAxisPercent}
          empty="A line per model and kind will appear once models answer."
        />
      </div>
    </div>
  );
}

function IndicatorChart(props: {
  title: string;
  unit: string;
  testId: string;
  series: IndicatorSeries[];
  indicator: IndicatorName;
  format: (value: number) => string;
  levels?: ChartLevel[];
  empty: string;
}) {
  const { series, indicator } = props;
  const lines = useMemo(() => linesOf(series, indicator), [series, indicator]);
  return (
    <ChartCard
      title={props.title}
      unit={props.unit}
      testId={props.testId}
      empty={lines.length === 0 ? props.empty : null}
    >
      <TimeChart lines={lines} format={props.format} levels={props.levels} label={props.title} />
    </ChartCard>
  );
}

function AlertsPanel({
  alerts,
  series,
}: {
  alerts: import("../operations-api.ts").Alert[] | null;
  series: IndicatorSeries[];
}) {
  const open = alerts?.filter((a) => a.status === "open") ?? [];
  return (
    <section class="alerts-panel" data-testid="alerts-panel">
      <h2>
        Alerts on trend change{" "}
        {alerts !== null && (
          <span
            class={open.length > 0 ? "badge badge-drift" : "badge badge-clean"}
            data-testid="alerts-open-count"
          >
            {open.length} open
          </span>
        )}
      </h2>
      {alerts === null ? (
        <p class="muted">Loading alerts…</p>
      ) : alerts.length === 0 ? (
        <p class="card muted" data-testid="alerts-empty">
          No alert: when an indicator worsens (a stage slows down, errors or cost rise, a model's answers fail
          their checks more often), the alert appears here with its chart and the point of change marked.
        </p>
      ) : (
        <div class="alert-list">
          {alerts.map((alert) => (
            <AlertCard key={alert.id} alert={alert} series={series} />
          ))}
        </div>
      )}
    </section>
  );
}

/** One line per scope of an indicator, labelled by its scope. */
function linesOf(series: IndicatorSeries[], indicator: IndicatorName): ChartLine[] {
  // Attempts that ran on no model (model "none") have no cost or trust to show.
  return series
    .filter((s) => s.indicator === indicator && s.scope.model !== "none")
    .map((s) => ({
      label: scopeLabel(s.scope),
      points: s.points.map((p) => ({ at: Date.parse(p.at), value: p.value })),
    }));
}

/**
 * The stages' duration targets (average, else p95) as levels on the duration chart. Targets of
 * the same measure and value are one line, naming each scope (the demo's three stages share one),
 * red when any of them is breached, which the label then says.
 */
function targetLevels(targets: TargetCheckJson[]): ChartLevel[] {
  const byLine = new Map<string, { what: string; value: number; scopes: string[]; breached: boolean }>();
  for (const check of targets) {
    if (check.measure !== "avgDurationMs" && check.measure !== "p95DurationMs") continue;
    const what = check.measure === "avgDurationMs" ? "average" : "p95";
    const who = [check.stage, check.kind].filter((x) => x !== null).join(" · ") || "all";
    const key = `${what} ${check.target}`;
    const line = byLine.get(key) ?? { what, value: check.target, scopes: [], breached: false };
    const breached = check.status === "breached";
    line.scopes.push(breached ? `${who} (breached)` : who);
    line.breached ||= breached;
    byLine.set(key, line);
  }
  return [...byLine.values()].map((line) => ({
    label: `${line.scopes.join(", ")}: target (${line.what}) ${formatAxisMs(line.value)}`,
    value: line.value,
    color: line.breached ? "#d1453b" : "#2aa876",
  }));
}

const depthStatuses = ["queued", "running", "blocked"] as const;

/** The live queue depth, one sample per task event (every second while it moves) or per refresh. */
function useDepthSamples(events: TaskEvents): ChartLine[] {
  const [samples, setSamples] = useState<{ at: number; counts: Record<string, number> }[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, []);
  // A sample at each event and at each tick, so that a quiet queue still draws on.
  useEffect(() => {
    const data = events.data;
    if (data === null) return;
    const counts: Record<string, number> = { queued: 0, running: 0, blocked: 0 };
    for (const row of data.stats.depth) counts[row.status] = (counts[row.status] ?? 0) + row.count;
    setSamples((previous) => [...previous, { at: Date.now(), counts }].slice(-keptSamples));
  }, [events.version, events.data, tick]);
  return useMemo(
    () =>
      depthStatuses.map((status) => ({
        label: status,
        points: samples.map((s) => ({ at: s.at, value: s.counts[status] ?? 0 })),
      })),
    [samples],
  );
}

/** In flight ÷ concurrency per model with a concurrency limit, one sample per refresh of the models. */
function useUtilisationSamples(models: ModelsStatus | null): ChartLine[] {
  const [samples, setSamples] = useState<{ at: number; shares: Record<string, number> }[]>([]);
  useEffect(() => {
    if (models === null) return;
    const shares: Record<string, number> = {};
    for (const model of models.models)
      if (model.concurrency !== null && model.concurrency > 0)
        shares[model.id] = model.inFlight / model.concurrency;
    setSamples((previous) => [...previous, { at: Date.parse(models.at), shares }].slice(-keptSamples));
  }, [models]);
  return useMemo(() => {
    const ids = [...new Set(samples.flatMap((s) => Object.keys(s.shares)))].sort();
    return ids.map((id) => ({
      label: id,
      points: samples.flatMap((s) => (s.shares[id] === undefined ? [] : [{ at: s.at, value: s.shares[id] }])),
    }));
  }, [samples]);
}
