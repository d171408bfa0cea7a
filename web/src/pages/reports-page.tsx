import { useCallback, useState } from "preact/hooks";
import { GateBanner } from "../components/gate-banner.tsx";
import { OpenFindingsTable } from "../components/open-findings-table.tsx";
import { OperatorActionsTable } from "../components/operator-actions-table.tsx";
import { ReportHistoryChart, ReportTable } from "../components/report-history.tsx";
import { ReportView } from "../components/report-view.tsx";
import { formatTime } from "../format.ts";
import {
  acknowledgeReport,
  actionsLimit,
  type FsarReport,
  fetchGate,
  fetchOpenFindings,
  fetchOperatorActions,
  fetchReport,
  fetchReports,
  runReport,
  type ShownReport,
} from "../fsar-api.ts";
import { hrefFor } from "../use-hash-route.ts";
import { usePolled } from "../use-polled.ts";
import "../reports.css";

const refreshMs = 10_000;

/**
 * FSAR reports and the execution gate (docs/fsar.md): the gate first, open or closed and why,
 * with the buttons to change it by hand; then the latest report (or the one the URL names) in
 * plain words; the history of reports as a picture and a table; the findings still open across
 * reports; and the operator-action log. Polled every 10 s; anything done here fetches at once.
 */
export function ReportsPage({ id }: { id: string | null }) {
  // Bumped after each action of this page: every poll fetches at once.
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);

  const reports = usePolled(fetchReports, refreshMs, "the reports", changes);
  const gate = usePolled(fetchGate, refreshMs, "the execution gate", changes);
  const findings = usePolled(fetchOpenFindings, refreshMs, "the open findings", changes);
  const actions = usePolled(fetchOperatorActions, refreshMs, "the operator actions", changes);

  const latestId = reports.data?.[0]?.id ?? null;
  const shownId = id ?? latestId;
  const fetchShown = useCallback(
    (signal: AbortSignal): Promise<ShownReport | null> =>
      shownId === null ? Promise.resolve(null) : fetchReport(shownId, signal),
    [shownId],
  );
  const shown = usePolled(fetchShown, refreshMs, "the report", changes);
  // Until the report asked for arrives, the one shown before is not it.
  const shownReport = shown.data !== null && shown.data.report.id === shownId ? shown.data : null;

  const error = reports.error ?? gate.error ?? findings.error ?? actions.error;
  const empty = reports.data !== null && reports.data.length === 0 && id === null;

  return (
    <div class="page reports-page">
      <div class="page-title">
        <h1>Reports</h1>
        <div class="title-actions">
          <span class="muted" data-testid="reports-refresh">
            refreshes every {refreshMs / 1000} s
          </span>
          {!empty && <RunButton onRan={changed} />}
        </div>
      </div>
      {error && (
        <div class="banner banner-error" role="alert" data-testid="reports-error">
          {error}
          {reports.data || gate.data ? " Showing the last known state." : ""}
        </div>
      )}
      {gate.data === null ? (
        !gate.error && <p class="muted">Reading the execution gate…</p>
      ) : (
        <GateBanner gate={gate.data} onChanged={changed} />
      )}

      {empty ? (
        <EmptyState onRan={changed} />
      ) : (
        <>
          <div class="page-title section-title">
            <h2 class="section-heading">
              {shownId !== null && shownId !== latestId ? "An earlier report" : "Latest report"}
            </h2>
            {id !== null && shownId !== latestId && latestId !== null && (
              <a href={hrefFor.reports} class="more-link" data-testid="back-to-latest">
                ← back to the latest report
              </a>
            )}
          </div>
          {shownReport !== null ? (
            <ReportView
              shown={shownReport}
              onAcknowledge={async () => {
                await acknowledgeReport(shownReport.report.id);
                changed();
              }}
            />
          ) : shown.error && shownId !== null ? (
            <div class="banner banner-error" role="alert" data-testid="report-error">
              {shown.error}
            </div>
          ) : (
            <p class="muted">Loading the report…</p>
          )}

          <div class="page-title section-title">
            <h2 class="section-heading">History</h2>
          </div>
          {reports.data === null ? (
            <p class="muted">Loading the reports…</p>
          ) : (
            <>
              <ReportHistoryChart reports={reports.data} shownId={shownId} />
              <ReportTable reports={reports.data} shownId={shownId} />
            </>
          )}
        </>
      )}

      <div class="page-title section-title">
        <h2 class="section-heading">Across reports</h2>
      </div>
      <OpenFindingsTable findings={findings.data} />
      <OperatorActionsTable actions={actions.data} limit={actionsLimit} />
    </div>
  );
}

/** Assesses now; the new report is the latest, shown in place of the one before. */
function RunButton({ onRan, large = false }: { onRan: () => void; large?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ran, setRan] = useState<FsarReport | null>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const report = await runReport();
      setRan(report);
      if (window.location.hash !== hrefFor.reports) window.location.hash = hrefFor.reports;
      onRan();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <span class="run-report">
      <button
        type="button"
        class={large ? "button button-primary" : "button"}
        disabled={busy}
        onClick={() => void run()}
        data-testid="run-report"
      >
        {busy ? "Assessing…" : "Run a report now"}
      </button>
      {ran && !busy && !error && (
        <span class="muted run-note" data-testid="run-note">
          written at {formatTime(ran.timestamp)}
        </span>
      )}
      {error && (
        <span class="error-text" role="alert" data-testid="run-error">
          {error}
        </span>
      )}
    </span>
  );
}

function EmptyState({ onRan }: { onRan: () => void }) {
  return (
    <section class="card reports-empty" data-testid="reports-empty">
      <h2>No report yet</h2>
      <p>
        A report is Steward's assessment of itself: it measures the schema, the errors, performance,
        scheduling, money and the leading indicators, grades each problem it finds from 1 (a note) to 10
        (critical) with the numbers behind it, proposes what to do, and closes the execution gate when a
        problem would get worse by running more work.
      </p>
      <p class="muted">
        The workers write one on a schedule (every 30 minutes by default) and when errors burst or an alert
        opens; <code>steward fsar run</code> writes one from the command line. Or now:
      </p>
      <RunButton onRan={onRan} large />
    </section>
  );
}
