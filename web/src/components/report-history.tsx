import { formatTime } from "../format.ts";
import type { StoredReport } from "../fsar-api.ts";
import { severityBand, sourceText } from "../fsar-format.ts";
import { hrefFor } from "../use-hash-route.ts";
import { SeverityBadge } from "./severity-badge.tsx";

/**
 * The reports over time: a bar per report, oldest on the left, as tall as its severity and
 * coloured by its band, hatched when it blocked execution, the one shown outlined.
 * (Bars, not the uPlot time chart: reports are discrete events, often minutes apart and sometimes
 * seconds, and each bar is a link to its report.)
 */
export function ReportHistoryChart({
  reports,
  shownId,
}: {
  reports: StoredReport[];
  shownId: string | null;
}) {
  const oldestFirst = [...reports].reverse();
  const first = oldestFirst[0];
  const last = oldestFirst.at(-1);
  return (
    <section class="card history-card" data-testid="report-history-chart">
      <h2>Severity over time</h2>
      <p class="chart-unit muted" data-testid="history-range">
        a bar per report, as tall as its severity (1–10), oldest left: the last {reports.length}
        {first && last && first !== last
          ? `, from ${formatTime(first.createdAt)} to ${formatTime(last.createdAt)}`
          : first
            ? `, at ${formatTime(first.createdAt)}`
            : ""}
        ; click one to read it
      </p>
      <div class="history-plot">
        <div class="history-axis muted" aria-hidden="true">
          <span class="history-tick history-tick-10">10</span>
          <span class="history-tick history-tick-5">5</span>
        </div>
        <div class="history-bars">
          <div class="history-grid history-grid-5" aria-hidden="true" />
          {oldestFirst.map((r) => (
            <a
              key={r.id}
              href={hrefFor.report(r.id)}
              class={`history-bar-slot${r.id === shownId ? " history-shown" : ""}`}
              title={`${formatTime(r.createdAt)} · severity ${r.severity} · ${r.findings} finding${r.findings === 1 ? "" : "s"}${r.blockExecution ? " · blocked execution" : ""}`}
              aria-label={`Report of ${formatTime(r.createdAt)}, severity ${r.severity}${r.blockExecution ? ", blocked execution" : ""}`}
              data-testid="history-bar"
              data-severity={r.severity}
              data-blocks={r.blockExecution ? "true" : "false"}
            >
              <span
                class={`history-bar severity-fill-${severityBand(r.severity)}${r.blockExecution ? " history-blocked" : ""}`}
                style={{ height: `${r.severity * 10}%` }}
              />
            </a>
          ))}
        </div>
      </div>
      <div class="legend history-legend">
        {(["note", "minor", "notable", "serious", "critical"] as const).map((band) => (
          <span key={band} class="legend-item">
            <span class={`swatch severity-fill-${band}`} />
            {band}
          </span>
        ))}
        <span class="legend-item">
          <span class="swatch severity-fill-note history-blocked" />
          blocked execution
        </span>
      </div>
    </section>
  );
}

/** The stored reports, newest first; a row opens its report in place of the latest. */
export function ReportTable({ reports, shownId }: { reports: StoredReport[]; shownId: string | null }) {
  return (
    <section class="card" data-testid="report-table">
      <h2>Reports ({reports.length})</h2>
      <div class="table-scroll">
        <table class="report-table">
          <thead>
            <tr>
              <th>Written</th>
              <th>Severity</th>
              <th>Blocks</th>
              <th class="num">Findings</th>
              <th>Source</th>
              <th>Trigger</th>
              <th>Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr
                key={r.id}
                class={`clickable${r.id === shownId ? " report-row-shown" : ""}`}
                onClick={() => {
                  window.location.hash = hrefFor.report(r.id);
                }}
                data-testid="report-row"
                data-id={r.id}
              >
                <td>
                  <a href={hrefFor.report(r.id)} onClick={(e) => e.stopPropagation()} title={r.id}>
                    {formatTime(r.createdAt)}
                  </a>
                </td>
                <td>
                  <SeverityBadge severity={r.severity} testId="report-row-severity" />
                </td>
                <td data-testid="report-row-blocks">
                  {r.blockExecution ? (
                    <span class="badge badge-drift">blocks</span>
                  ) : (
                    <span class="muted">no</span>
                  )}
                </td>
                <td class="num">{r.findings}</td>
                <td>{sourceText(r.source)}</td>
                <td class="report-trigger" title={r.trigger}>
                  {r.trigger}
                </td>
                <td>
                  {r.ackedAt ? (
                    <span title={`by ${r.ackedBy ?? "?"}`}>{formatTime(r.ackedAt)}</span>
                  ) : (
                    <span class="muted">no</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
