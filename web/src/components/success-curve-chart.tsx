import { capabilityLabel, curveSuccess, describePoint, type SuccessCurve } from "../success-curves.ts";

/**
 * One model's success curves against task complexity, drawn by hand in SVG: a few smooth curves
 * and dots need no charting library, and an SVG scales with its card and can be inspected (each
 * curve and dot is an element, each dot says what it rests on when hovered).
 *
 * A curve is drawn over complexity c at gap = level − c: the prior dashed and faint, the learned
 * curve solid, in the capability's colour; the outcomes observed at each gap are dots at their
 * success rate, their area growing with the attempts behind them. A small mark on the axis is the
 * declared level, where "at its level" is read.
 */

// About the size it is drawn at in a card, so that its text reads at the page's small size.
const width = 320;
const height = 190;
const margin = { left: 36, right: 10, top: 10, bottom: 34 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;
const maxComplexity = 10;

const x = (complexity: number) => margin.left + (complexity / maxComplexity) * plotWidth;
const y = (p: number) => margin.top + (1 - p) * plotHeight;

/** The curve through complexity 0–10, a point each tenth of a level: smooth at any card width. */
function curvePath(curve: SuccessCurve, params: SuccessCurve["prior"]): string {
  const points: string[] = [];
  for (let step = 0; step <= maxComplexity * 10; step++) {
    const complexity = step / 10;
    const p = curveSuccess(params, curve.level - complexity);
    points.push(`${x(complexity).toFixed(1)},${y(p).toFixed(1)}`);
  }
  return `M${points.join("L")}`;
}

/** A dot's radius: its area grows with the attempts, within bounds that keep small counts visible. */
function radius(attempts: number): number {
  return Math.min(9, 2.5 + 0.75 * Math.sqrt(attempts));
}

export function SuccessCurveChart({
  modelId,
  curves,
  colors,
}: {
  modelId: string;
  curves: SuccessCurve[];
  colors: Map<string, string>;
}) {
  const color = (capability: string) => colors.get(capability) ?? "var(--muted)";
  return (
    <svg
      class="curve-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${modelId}: probability that an attempt succeeds, against the task's complexity`}
      data-testid="success-chart"
      data-model-id={modelId}
    >
      <Axes />
      {curves.map((curve) => (
        <path
          key={`prior-${curve.capability}`}
          class="curve-prior"
          d={curvePath(curve, curve.prior)}
          stroke={color(curve.capability)}
          data-testid="curve-prior"
          data-capability={curve.capability}
        />
      ))}
      {curves
        .filter((curve) => curve.attempts > 0)
        .map((curve) => (
          <path
            key={`learned-${curve.capability}`}
            class="curve-learned"
            d={curvePath(curve, curve.learned)}
            stroke={color(curve.capability)}
            data-testid="curve-learned"
            data-capability={curve.capability}
          />
        ))}
      {levelMarks(curves).map(({ curve, offset }) => (
        <path
          key={`level-${curve.capability}`}
          class="curve-level"
          d={`M${(x(curve.level) + offset).toFixed(1)},${margin.top + plotHeight}l-3.5,6h7z`}
          fill={color(curve.capability)}
          data-testid="curve-level"
          data-capability={curve.capability}
        >
          <title>
            {capabilityLabel(curve.capability)}: declared level {Number(curve.level.toFixed(1))}
          </title>
        </path>
      ))}
      {curves.flatMap((curve) =>
        curve.points
          .filter((point) => point.attempts > 0)
          .map((point) => {
            const complexity = Math.min(maxComplexity, Math.max(0, curve.level - point.gap));
            return (
              <circle
                key={`point-${curve.capability}-${point.gap}`}
                class="curve-point"
                cx={x(complexity).toFixed(1)}
                cy={y(point.successes / point.attempts).toFixed(1)}
                r={radius(point.attempts).toFixed(1)}
                fill={color(curve.capability)}
                data-testid="curve-point"
                data-capability={curve.capability}
                data-gap={point.gap}
              >
                <title>
                  {`${capabilityLabel(curve.capability)} at complexity ${Number(complexity.toFixed(1))} (gap ${point.gap < 0 ? "−" : ""}${Math.abs(point.gap)}): ${describePoint(point)}`}
                </title>
              </circle>
            );
          }),
      )}
    </svg>
  );
}

/**
 * A mark on the axis at each declared level within the chart; capabilities at the same level
 * stand side by side, so that none hides another.
 */
function levelMarks(curves: SuccessCurve[]): { curve: SuccessCurve; offset: number }[] {
  const shown = curves.filter((curve) => curve.level >= 0 && curve.level <= maxComplexity);
  return shown.map((curve) => {
    const same = shown.filter((other) => other.level === curve.level);
    const index = same.indexOf(curve);
    return { curve, offset: (index - (same.length - 1) / 2) * 7 };
  });
}

/** Percent on the left every quarter, complexity below every two levels, a light grid. */
function Axes() {
  const shares = [0, 0.25, 0.5, 0.75, 1];
  const complexities = [0, 2, 4, 6, 8, 10];
  return (
    <g class="curve-axes">
      {shares.map((p) => (
        <g key={`y-${p}`}>
          <line class="curve-grid-line" x1={margin.left} x2={width - margin.right} y1={y(p)} y2={y(p)} />
          <text x={margin.left - 5} y={y(p) + 3.5} text-anchor="end">
            {Math.round(p * 100)}%
          </text>
        </g>
      ))}
      {complexities.map((c) => (
        <g key={`x-${c}`}>
          <line class="curve-grid-line" x1={x(c)} x2={x(c)} y1={margin.top} y2={margin.top + plotHeight} />
          <text x={x(c)} y={margin.top + plotHeight + 17} text-anchor="middle">
            {c}
          </text>
        </g>
      ))}
      <text class="curve-axis-title" x={margin.left + plotWidth / 2} y={height - 2} text-anchor="middle">
        task complexity
      </text>
    </g>
  );
}
