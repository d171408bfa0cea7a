import { useState } from "preact/hooks";
import { formatMs, formatTime } from "../format.ts";
import type { FsarReport, LoopSummary, ResolvedFinding, ShownReport } from "../fsar-api.ts";
import { ageText, bandMeaning, severityBand, sourceText, triggerText } from "../fsar-format.ts";
import { FindingSections } from "./finding-list.tsx";
import { Prose } from "./prose.tsx";
import { SeverityBadge } from "./severity-badge.tsx";

/**
 * One report in plain words: how bad (severity and what it means), whether it stops work, when
 * and why it was written, the proposal's summary; then its findings by section with what to do,
 * the risks and their mitigations, what was resolved since the report before, the
 * self-improvement loop's tally, and the raw Markdown.
 */
export function ReportView({
  shown,
  onAcknowledge,
}: {
  shown: ShownReport;
  onAcknowledge: () => Promise<void>;
}) {
  const { report, stored, markdown } = shown;
  const band = severityBand(report.severity);
  return (
    <div class="report-view" data-testid="report-view" data-id={report.id}>
      <section class={`card report-summary report-summary-${band}`} data-testid="report-summary">
        <div class="report-summary-head">
          <div class="report-summary-title">
            <h2>In short</h2>
            <p class="mono report-id" data-testid="report-id">
              {report.id}
            </p>
          </div>
          <AckButton stored={stored} onAcknowledge={onAcknowledge} />
        </div>
        <div class="report-severity">
          <SeverityBadge severity={report.severity} large testId="report-severity" />
          <span class="report-severity-meaning" data-testid="report-severity-meaning">
            Severity {report.severity} of 10 — {bandMeaning[band]}.
          </span>
        </div>
        <p
          class={report.block_execution ? "report-blocks report-blocks-yes" : "report-blocks"}
          data-testid="report-blocks"
        >
          {report.block_execution
            ? "It blocks execution: a blocking finding closed the gate for the kinds it concerns."
            : blocksNoText(report)}
        </p>
        <dl class="report-facts">
          <dt>Written</dt>
          <dd data-testid="report-written">
            {formatTime(report.timestamp)} <span class="muted">({ageText(report.timestamp)} ago)</span>
          </dd>
          <dt>Why</dt>
          <dd data-testid="report-trigger">
            <Prose text={triggerText(report.trigger)} />
          </dd>
          <dt>By</dt>
          <dd>
            {sourceText(report.source)}
            {report.narrative.by === "model" && (
              <span class="muted"> · words by {report.narrative.model}, checked against the findings</span>
            )}
          </dd>
          <dt>Findings</dt>
          <dd>
            {report.findings.length === 0 ? "none" : report.findings.length}
            {report.failedAssessors.length > 0 && (
              <span class="muted">
                {" "}
                · {report.failedAssessors.length} assessor{report.failedAssessors.length === 1 ? "" : "s"}{" "}
                could not run ({report.failedAssessors.map((a) => a.assessor).join(", ")})
              </span>
            )}
          </dd>
        </dl>
        <h3 class="report-subhead">The proposal</h3>
        <p class="report-proposal" data-testid="report-proposal">
          <Prose text={report.proposal.summary} />
        </p>
        {report.proposal.conclusion && (
          <p class="muted report-conclusion">
            <Prose text={report.proposal.conclusion} />
          </p>
        )}
      </section>

      {report.findings.length > 0 ? (
        <FindingSections report={report} />
      ) : (
        <section class="card" data-testid="report-clean">
          <p>
            Nothing found: every assessor measured its part and saw no problem worth a finding over the
            window.
          </p>
        </section>
      )}

      {(report.risks.length > 0 || report.mitigations.length > 0) && (
        <div class="cards-two cards risks-grid">
          <section class="card" data-testid="report-risks">
            <h2>Risks</h2>
            <TextList items={report.risks} empty="None named." />
          </section>
          <section class="card" data-testid="report-mitigations">
            <h2>Mitigations</h2>
            <TextList items={report.mitigations} empty="None named." />
          </section>
        </div>
      )}

      {report.resolved.length > 0 && <Resolved resolved={report.resolved} />}
      {report.loop.planned > 0 && <Loop loop={report.loop} />}
      <MarkdownToggle markdown={markdown} />
    </div>
  );
}

function blocksNoText(report: FsarReport): string {
  const letThrough = report.findings.filter((f) => f.blocking && f.overridden).length;
  return letThrough > 0
    ? `It does not block execution: its ${letThrough} blocking finding${letThrough === 1 ? " was" : "s were"} let through by an operator.`
    : "It does not block execution: no finding stops the work.";
}

function AckButton({
  stored,
  onAcknowledge,
}: {
  stored: ShownReport["stored"];
  onAcknowledge: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (stored.ackedAt !== null)
    return (
      <span
        class="badge badge-clean ack-done"
        data-testid="report-acked"
        title={`at ${formatTime(stored.ackedAt)}`}
      >
        acknowledged{stored.ackedBy ? ` by ${stored.ackedBy.split(" ")[0]}` : ""}
      </span>
    );
  return (
    <div class="ack">
      <button
        type="button"
        class="button"
        disabled={busy}
        title="Mark it as read by an operator; it changes nothing else (the gate follows the findings)"
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await onAcknowledge();
          } catch (e) {
            setError((e as Error).message);
          } finally {
            setBusy(false);
          }
        }}
        data-testid="report-ack"
      >
        Acknowledge
      </button>
      {error && (
        <span class="error-text" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function TextList({ items, empty }: { items: string[]; empty: string }) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="text-list">
      {items.map((item, i) => (
        <li key={i}>
          <Prose text={item} />
        </li>
      ))}
    </ul>
  );
}

function Resolved({ resolved }: { resolved: ResolvedFinding[] }) {
  return (
    <section class="card" data-testid="report-resolved">
      <h2>Resolved since the last report ({resolved.length})</h2>
      <p class="muted">Found by the report before this one of the same source, and no longer found.</p>
      <ul class="plain-list resolved-list">
        {resolved.map((r) => (
          <li key={r.key} class="resolved-finding" data-testid="resolved-finding" data-key={r.key}>
            <span class="mono open-finding-key">{r.key}</span>
            <span class="resolved-summary">
              <Prose text={r.summary} />
            </span>
            <span class="muted resolved-facts">
              first found {formatTime(r.firstSeenAt)} · stayed open{" "}
              <strong data-testid="resolved-open-for">{formatMs(r.openMs)}</strong> ·{" "}
              {r.fixedByTask ? "mended by a self-improvement task" : "gone without a self-improvement task"}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** How the self-improvement tasks planned from earlier reports fared, and whether their findings went. */
function Loop({ loop }: { loop: LoopSummary }) {
  return (
    <section class="card" data-testid="report-loop">
      <h2>The self-improvement loop</h2>
      <p class="muted">
        Tasks planned from earlier reports' findings (<code>steward fsar plan</code>): a fix counts as
        verified when its finding is no longer found, unverified when it succeeded yet the finding stays.
      </p>
      <div class="counters loop-counters">
        <LoopCounter label="planned" value={loop.planned} />
        <LoopCounter label="succeeded" value={loop.succeeded} />
        <LoopCounter label="settling" value={loop.settling} />
        <LoopCounter label="verified" value={loop.verified} />
        <LoopCounter label="unverified" value={loop.unverified} bad={loop.unverified > 0} />
      </div>
      {loop.byModel.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Model</th>
                <th class="num">Succeeded</th>
                <th class="num">Verified</th>
                <th class="num">Unverified</th>
              </tr>
            </thead>
            <tbody>
              {loop.byModel.map((m) => (
                <tr key={m.model} data-testid="loop-model">
                  <td class="mono">{m.model}</td>
                  <td class="num">{m.succeeded}</td>
                  <td class="num">{m.verified}</td>
                  <td class="num">{m.unverified}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LoopCounter({ label, value, bad = false }: { label: string; value: number; bad?: boolean }) {
  return (
    <div class={bad ? "counter counter-bad" : "counter"} data-testid={`loop-${label}`}>
      <span class="counter-value">{value}</span>
      <span class="muted">{label}</span>
    </div>
  );
}

function MarkdownToggle({ markdown }: { markdown: string }) {
  const [open, setOpen] = useState(false);
  return (
    <section class="card markdown-card" data-testid="report-markdown">
      <div class="list-head">
        <h2>The report as Markdown</h2>
        <button
          type="button"
          class="button"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          data-testid="report-markdown-toggle"
        >
          {open ? "Hide the Markdown" : "View the Markdown"}
        </button>
      </div>
      <p class="muted">
        In the layout of the seed report (<code>steward fsar show &lt;id&gt;</code> prints the same), which
        other systems can import.
      </p>
      {open && (
        <pre class="report-markdown" data-testid="report-markdown-text">
          {markdown}
        </pre>
      )}
    </section>
  );
}
