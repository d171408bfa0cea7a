import { useMemo } from "preact/hooks";
import { indicatorDisplay, scopeLabel } from "../chart-format.ts";
import { formatTime } from "../format.ts";
import type { Alert, IndicatorSeries } from "../operations-api.ts";
import { type ChartLevel, TimeChart } from "./time-chart.tsx";

const sameScope = (a: Alert["scope"], b: IndicatorSeries["scope"]) =>
  a.stage === b.stage && a.kind === b.kind && a.model === b.model;

/**
 * An alert on trend change: what changed, where and when, and its indicator's chart with the
 * point of change marked and the levels before and after drawn over the points they summarise.
 */
export function AlertCard({ alert, series }: { alert: Alert; series: IndicatorSeries[] }) {
  const display = indicatorDisplay[alert.indicator];
  const changedAtMs = Date.parse(alert.changedAt);
  const found = series.find((s) => s.indicator === alert.indicator && sameScope(alert.scope, s.scope));
  const lines = useMemo(
    () =>
      found === undefined
        ? []
        : [
            {
              label: scopeLabel(found.scope),
              points: found.points.map((p) => ({ at: Date.parse(p.at), value: p.value })),
            },
          ],
    [found],
  );
  const levels = useMemo<ChartLevel[]>(
    () => [
      {
        label: `before ${display.format(alert.beforeValue)}`,
        value: alert.beforeValue,
        toMs: changedAtMs,
        color: "#2aa876",
      },
      {
        label: `after ${display.format(alert.afterValue)}`,
        value: alert.afterValue,
        fromMs: changedAtMs,
        color: "#d1453b",
      },
    ],
    [alert.beforeValue, alert.afterValue, changedAtMs, display],
  );

  return (
    <article
      class={`card alert-card alert-${alert.status}`}
      data-testid="alert-card"
      data-alert-id={alert.id}
      data-status={alert.status}
    >
      <div class="alert-head">
        <div>
          <h3>
            {display.name} <span class="mono">{scopeLabel(alert.scope)}</span>
          </h3>
          <p class="alert-message" data-testid="alert-message">
            {alert.message}
          </p>
        </div>
        <span
          class={alert.status === "open" ? "badge badge-drift" : "badge badge-clean"}
          data-testid="alert-status"
        >
          {alert.status}
        </span>
      </div>
      <p class="muted alert-facts">
        {display.format(alert.beforeValue)} → {display.format(alert.afterValue)} (now{" "}
        {display.format(alert.latestValue)}) · changed at {formatTime(alert.changedAt)} · {alert.detector} ·
        opened {formatTime(alert.openedAt)}
        {alert.resolvedAt && ` · resolved ${formatTime(alert.resolvedAt)}`}
        {alert.reopened > 0 && ` · reopened ${alert.reopened}× (recovered, then worse again)`}
        {alert.delivery.status === "failed" &&
          ` · webhook failed after ${alert.delivery.attempts} attempts: ${alert.delivery.error}`}
      </p>
      {lines.length === 0 ? (
        <p class="chart-empty muted" data-testid="chart-empty">
          The indicator has no points in the window shown: the change is older than it.
        </p>
      ) : (
        <TimeChart
          lines={lines}
          format={display.format}
          levels={levels}
          markAtMs={changedAtMs}
          height={150}
          label={`${display.name} of ${scopeLabel(alert.scope)}, changed at ${alert.changedAt}`}
          testId="alert-chart"
        />
      )}
    </article>
  );
}
