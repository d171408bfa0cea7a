import { formatTime } from "../format.ts";
import type { FindingState } from "../fsar-api.ts";
import { ageText, sourceText } from "../fsar-format.ts";
import { hrefFor } from "../use-hash-route.ts";
import { Prose } from "./prose.tsx";
import { BlockingMark, SeverityBadge } from "./severity-badge.tsx";

/**
 * Findings still open across reports, most severe first: a problem found again by a later report
 * is the same finding (its key), seen once more; one no longer found is resolved.
 */
export function OpenFindingsTable({ findings }: { findings: FindingState[] | null }) {
  return (
    <section class="card" data-testid="open-findings">
      <h2>Open findings{findings ? ` (${findings.length})` : ""}</h2>
      {findings === null ? (
        <p class="muted">Loading…</p>
      ) : findings.length === 0 ? (
        <p class="muted" data-testid="open-findings-empty">
          None: the latest report of each source found nothing, or everything it found has been resolved.
        </p>
      ) : (
        <div class="table-scroll">
          <table class="open-findings-table">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Finding</th>
                <th>First seen</th>
                <th>Last seen</th>
                <th class="num">Times seen</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {findings.map((f) => (
                <tr key={`${f.source}\u0001${f.key}`} data-testid="open-finding" data-key={f.key}>
                  <td>
                    <span class="badges">
                      <SeverityBadge severity={f.severity} testId="open-finding-severity" />
                      <BlockingMark blocking={f.blocking} />
                    </span>
                  </td>
                  <td class="open-finding-cell">
                    <span class="mono open-finding-key">{f.key}</span>
                    <span class="open-finding-summary">
                      <Prose text={f.summary} />
                    </span>
                  </td>
                  <td>
                    <a href={hrefFor.report(f.firstReport)} title="the report that first found it">
                      {formatTime(f.firstSeenAt)}
                    </a>
                    <span class="muted cell-note">open {ageText(f.firstSeenAt)}</span>
                  </td>
                  <td>
                    <a href={hrefFor.report(f.lastReport)} title="the report that last found it">
                      {formatTime(f.lastSeenAt)}
                    </a>
                  </td>
                  <td class="num" data-testid="open-finding-times">
                    {f.timesSeen}
                    {f.reopened > 0 && <span class="muted cell-note">reopened {f.reopened}×</span>}
                  </td>
                  <td>{sourceText(f.source)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
