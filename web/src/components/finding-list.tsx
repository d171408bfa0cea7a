import { formatTime } from "../format.ts";
import type { Evidence, Finding, FsarReport, ProposalAction, ProposalSection } from "../fsar-api.ts";
import { evidenceValue } from "../fsar-format.ts";
import { CodeBlock } from "./code-block.tsx";
import { Prose } from "./prose.tsx";
import { BlockingMark, SeverityBadge } from "./severity-badge.tsx";

/**
 * A report's findings under the proposal's numbered sections, as the Markdown lays them out:
 * each section's paragraph, its findings (severity, blocking, summary, the evidence behind it)
 * and the actions that would mend them, with commands and SQL ready to copy. A finding no
 * section names (an imported report's, say) is listed after them.
 */
export function FindingSections({ report }: { report: FsarReport }) {
  const byKey = new Map(report.findings.map((f) => [f.key, f]));
  const placed = new Set(report.proposal.sections.flatMap((s) => s.findings));
  const unplaced = report.findings.filter((f) => !placed.has(f.key));
  return (
    <div class="finding-sections" data-testid="finding-sections">
      {report.proposal.sections.map((section) => (
        <Section
          key={section.number}
          section={section}
          findings={section.findings.flatMap((key) => byKey.get(key) ?? [])}
        />
      ))}
      {unplaced.length > 0 && (
        <section class="card report-section" data-testid="report-section" data-section="other">
          <h3 class="report-section-title">Other findings</h3>
          <FindingList findings={unplaced} />
        </section>
      )}
    </div>
  );
}

function Section({ section, findings }: { section: ProposalSection; findings: Finding[] }) {
  return (
    <section class="card report-section" data-testid="report-section" data-section={section.number}>
      <h3 class="report-section-title">
        {section.number}. {section.title}
      </h3>
      {section.text && (
        <p class="report-section-text">
          <Prose text={section.text} />
        </p>
      )}
      {findings.length > 0 && (
        <>
          <h4 class="report-subhead">Findings</h4>
          <FindingList findings={findings} />
        </>
      )}
      {section.actions.length > 0 && (
        <>
          <h4 class="report-subhead">What to do</h4>
          <ol class="action-list" data-testid="section-actions">
            {section.actions.map((action, i) => (
              <ActionItem key={i} action={action} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

export function FindingList({ findings }: { findings: Finding[] }) {
  return (
    <ul class="plain-list finding-list">
      {findings.map((finding) => (
        <FindingItem key={finding.key} finding={finding} />
      ))}
    </ul>
  );
}

function FindingItem({ finding }: { finding: Finding }) {
  return (
    <li class="finding" data-testid="finding" data-key={finding.key}>
      <div class="finding-head">
        <SeverityBadge severity={finding.severity} testId="finding-severity" />
        <BlockingMark blocking={finding.blocking} overridden={finding.overridden} />
        <span class="finding-summary" data-testid="finding-summary">
          <Prose text={finding.summary} />
        </span>
      </div>
      <div class="finding-meta muted">
        <span class="mono">{finding.key}</span>
        {finding.kinds.length > 0 && <span> · kinds: {finding.kinds.join(", ")}</span>}
      </div>
      <EvidenceDetails evidence={finding.evidence} />
    </li>
  );
}

/** What a finding rests on, folded: the numbers as a table, the window measured, the source. */
function EvidenceDetails({ evidence }: { evidence: Evidence }) {
  const numbers = Object.entries(evidence.numbers);
  return (
    <details class="evidence" data-testid="evidence">
      <summary>evidence</summary>
      <div class="evidence-body">
        {numbers.length > 0 && (
          <table class="evidence-table">
            <tbody>
              {numbers.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row" class="mono">
                    {name}
                  </th>
                  <td class="mono">{evidenceValue(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="evidence-line">
          <span class="muted">Window: </span>
          {evidence.window
            ? `${formatTime(evidence.window.from)} – ${formatTime(evidence.window.to)}`
            : "none: a state read when the report was written"}
        </p>
        <p class="evidence-line">
          <span class="muted">Source: </span>
          <span class="mono">{evidence.source}</span>
        </p>
      </div>
    </details>
  );
}

function ActionItem({ action }: { action: ProposalAction }) {
  return (
    <li class="action" data-testid="action">
      <p class="action-text">
        <Prose text={action.text} />
      </p>
      {action.command && <CodeBlock code={action.command} label="command" testId="action-command" />}
      {action.sql && <CodeBlock code={action.sql} label="SQL" testId="action-sql" />}
      {action.config && <CodeBlock code={action.config} label="configuration" testId="action-config" />}
    </li>
  );
}
