import { formatTime } from "../format.ts";
import type { OperatorAction } from "../fsar-api.ts";
import { actionText, kindsText } from "../fsar-format.ts";
import { hrefFor } from "../use-hash-route.ts";

const viaText: Record<OperatorAction["via"], string> = {
  cli: "CLI",
  http: "API / dashboard",
  steward: "Steward itself",
};

/** The operator-action log, newest first: every close, open, override, acknowledgement, import. */
export function OperatorActionsTable({
  actions,
  limit,
}: {
  actions: OperatorAction[] | null;
  limit: number;
}) {
  return (
    <section class="card" data-testid="operator-actions">
      <h2>Operator actions (the last {limit})</h2>
      {actions === null ? (
        <p class="muted">Loading…</p>
      ) : actions.length === 0 ? (
        <p class="muted" data-testid="operator-actions-empty">
          Nothing yet: each change of the gate and each acknowledgement is logged here, with who made it and
          why.
        </p>
      ) : (
        <div class="table-scroll">
          <table class="operator-actions-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Via</th>
                <th>What</th>
                <th>Kinds</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {actions.map((a) => (
                <tr key={a.id} data-testid="operator-action" data-action={a.action}>
                  <td>{formatTime(a.at)}</td>
                  <td class="actor-cell" title={a.actor}>
                    {a.actor}
                  </td>
                  <td>{viaText[a.via] ?? a.via}</td>
                  <td>
                    {actionText(a.action)}
                    {a.reportId && (
                      <a href={hrefFor.report(a.reportId)} class="cell-note" title={a.reportId}>
                        the report
                      </a>
                    )}
                  </td>
                  <td>{a.action.startsWith("gate.") ? kindsText(a.kinds) : <span class="muted">—</span>}</td>
                  <td class="reason-cell" data-testid="operator-action-reason">
                    {a.reason ?? <span class="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
