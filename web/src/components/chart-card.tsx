import type { ComponentChildren } from "preact";

/** A chart with its title and unit; until there is something to draw, what will appear. */
export function ChartCard({
  title,
  unit,
  testId,
  empty,
  children,
}: {
  title: string;
  unit: string;
  testId: string;
  /** What will appear, said when there is nothing to draw yet; null: draw the chart. */
  empty: ComponentChildren | null;
  children: ComponentChildren;
}) {
  return (
    <section class="card chart-card" data-testid={testId}>
      <h2>{title}</h2>
      <p class="chart-unit muted">{unit}</p>
      {empty === null || empty === undefined ? (
        children
      ) : (
        <div class="chart-empty muted" data-testid="chart-empty">
          {empty}
        </div>
      )}
    </section>
  );
}
