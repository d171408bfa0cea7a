import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { lineColors } from "../chart-colors.ts";

/** One line of a chart: its points in time order, at epoch milliseconds. */
export interface ChartLine {
  label: string;
  points: { at: number; value: number }[];
}

/** A level drawn across the chart (a target), or across part of it (the level before a change). */
export interface ChartLevel {
  label: string;
  value: number;
  /** Drawn from this time on only; across the whole chart without it. */
  fromMs?: number;
  toMs?: number;
  color: string;
}

export interface TimeChartProps {
  lines: ChartLine[];
  /** How a value reads on the y axis and in the legend: "412 ms", "12%", "$0.004". */
  format: (value: number) => string;
  /** How a value reads in the legend, when it has room for more than the axis: "1,200.00 USD". */
  legendFormat?: (value: number) => string;
  levels?: ChartLevel[];
  /** A vertical line at a time: where a change was detected. */
  markAtMs?: number;
  height?: number;
  /** Says what the chart is, for screen readers; the chart itself is a canvas. */
  label: string;
  testId?: string;
}

const axisColor = "#8a93a3";
const minSpanS = 300;
const gridColor = "rgba(138, 147, 163, 0.18)";

/**
 * A uPlot time series chart sized to its container. The lines are merged onto one time axis
 * (a line without a point at a time has a gap there, not a zero); the chart is rebuilt when its
 * data changes, which at a refresh every few seconds costs less than a millisecond a chart.
 */
export function TimeChart({
  lines,
  format,
  legendFormat = format,
  levels = [],
  markAtMs,
  height = 180,
  label,
  testId,
}: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const times = [...new Set(lines.flatMap((l) => l.points.map((p) => p.at)))].sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const columns = lines.map((line) => {
      const column: (number | null)[] = times.map(() => null);
      for (const p of line.points) column[index.get(p.at)!] = p.value;
      return column;
    });
    const xs = times.map((t) => t / 1000);
    // Targets and levels must stay in view even when the data sit far below them.
    const values = [...lines.flatMap((l) => l.points.map((p) => p.value)), ...levels.map((l) => l.value)];
    const maxY = Math.max(0, ...values);

    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: true },
      cursor: { points: { size: 6 } },
      scales: {
        // A few points (the first samples since the page opened) would stretch over the width,
        // and a single one makes uPlot span a thousand days: at least five minutes, ending at the
        // last point. (The data's own first and last, not the range's: for a single point uPlot
        // has already widened those.)
        x: {
          time: true,
          range: (_u, min, max) => {
            const last = xs.at(-1);
            if (last === undefined || last - xs[0]! >= minSpanS) return [min, max];
            return [last - minSpanS, last];
          },
        },
        y: { range: (_u, _min, max) => [0, Math.max(max, maxY) * 1.1 || 1] },
      },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor } },
        {
          stroke: axisColor,
          grid: { stroke: gridColor },
          ticks: { stroke: gridColor },
          size: 64,
          values: (_u, splits) => splits.map(format),
        },
      ],
      series: [
        {},
        ...lines.map((line, i) => ({
          label: line.label,
          stroke: lineColors[i % lineColors.length],
          width: 2,
          spanGaps: false,
          points: { show: line.points.length < 40 },
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : legendFormat(v)),
        })),
      ],
      hooks: { draw: [(u) => drawOverlays(u, levels, markAtMs)] },
    };
    const plot = new uPlot(options, [xs, ...columns] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(200, element.clientWidth), height }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [lines, format, legendFormat, levels, markAtMs, height]);

  return (
    <div class="time-chart" ref={box} role="img" aria-label={label} data-testid={testId ?? "time-chart"} />
  );
}

/** Targets and levels as dashed horizontal lines, the point of change as a solid vertical one. */
function drawOverlays(u: uPlot, levels: ChartLevel[], markAtMs: number | undefined): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.lineWidth = 1.5 * devicePixelRatio;
  for (const level of levels) {
    const y = u.valToPos(level.value, "y", true);
    const x0 = level.fromMs === undefined ? left : Math.max(left, u.valToPos(level.fromMs / 1000, "x", true));
    const x1 =
      level.toMs === undefined
        ? left + width
        : Math.min(left + width, u.valToPos(level.toMs / 1000, "x", true));
    if (y < top || y > top + height || x1 <= x0) continue;
    ctx.strokeStyle = level.color;
    ctx.fillStyle = level.color;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.stroke();
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    // A level that starts part-way (after a change) is named just left of its start, above the
    // level before it; the others at their right end.
    ctx.textAlign = "right";
    const labelX = level.fromMs === undefined ? x1 : x0 - 6 * devicePixelRatio;
    ctx.fillText(level.label, labelX - 4 * devicePixelRatio, y - 4 * devicePixelRatio);
  }
  if (markAtMs !== undefined) {
    const x = u.valToPos(markAtMs / 1000, "x", true);
    if (x >= left && x <= left + width) {
      ctx.setLineDash([]);
      ctx.strokeStyle = "#d1453b";
      ctx.fillStyle = "#d1453b";
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
      ctx.textAlign = "right";
      ctx.fillText("change", x - 4 * devicePixelRatio, top + height - 4 * devicePixelRatio);
    }
  }
  ctx.restore();
}
