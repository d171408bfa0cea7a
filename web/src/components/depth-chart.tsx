import type { QueueDepth, TaskStatus } from "../task-api.ts";

/** The live statuses, in the order work moves through them. */
const liveStatuses: TaskStatus[] = ["blocked", "queued", "running"];

/**
 * Live work by kind: one stacked bar a kind, blocked → queued → running, all on one scale so
 * that kinds compare at a glance. Plain HTML bars: a handful of categories reads better than a
 * time-series chart, and needs no canvas.
 */
export function DepthChart({ depth, kinds }: { depth: QueueDepth[]; kinds: string[] }) {
  const byKind = new Map<string, Record<string, number>>();
  for (const name of kinds) byKind.set(name, {});
  for (const row of depth) {
    const counts = byKind.get(row.kind) ?? {};
    counts[row.status] = row.count;
    byKind.set(row.kind, counts);
  }
  const total = (counts: Record<string, number>) =>
    liveStatuses.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  const max = Math.max(1, ...[...byKind.values()].map(total));

  return (
    <div class="depth-chart" data-testid="depth-chart">
      <div class="legend">
        {liveStatuses.map((status) => (
          <span key={status} class="legend-item">
            <span class={`swatch fill-${status}`} />
            {status}
          </span>
        ))}
      </div>
      {[...byKind.entries()].map(([kind, counts]) => (
        <div key={kind} class="depth-row" data-testid="depth-row" data-kind={kind}>
          <span class="depth-kind mono" title={kind} data-testid="depth-kind">
            {kind}
          </span>
          <div class="depth-track" role="img" aria-label={describe(kind, counts)}>
            {liveStatuses.map((status) =>
              counts[status] ? (
                <span
                  key={status}
                  class={`depth-segment fill-${status}`}
                  style={{ width: `${(100 * (counts[status] ?? 0)) / max}%` }}
                  title={`${counts[status]} ${status}`}
                />
              ) : null,
            )}
          </div>
          <span class="depth-total" data-testid="depth-total">
            {total(counts)}
          </span>
        </div>
      ))}
      {depth.length === 0 && <p class="muted">No live work: every task is finished.</p>}
    </div>
  );
}

function describe(kind: string, counts: Record<string, number>): string {
  return `${kind}: ${liveStatuses.map((s) => `${counts[s] ?? 0} ${s}`).join(", ")}`;
}
