import type { Metrics } from "./metrics.ts";
import type { ScenarioResult } from "./results.ts";
import { axis, type Box, box, dollars, line, overlaps, short, text, wrap } from "./svg-parts.ts";
import { defaultPrice } from "./sweep.ts";

/**
 * One world's frontier as a picture, hand-written SVG: a grid of panels, one per scenario (load),
 * cost in US dollars across, weighted tardiness up, Steward's curve over the prices of lateness
 * as a line through its points (the default price marked), each baseline a labelled point.
 * Axes go logarithmic when their values span more than a factor of 8; a baseline far off the
 * scale of the others sits on the edge with its values (onScale). About 1,000 px wide, for a
 * white background.
 */

const width = 1_000;
const columns = 3;
const panel = { width: 320, height: 340, left: 62, right: 12, top: 40, bottom: 42 };
const header = 80;
const legendHeight = 70;
const stewardColour = "#d62728";
const baselineColours = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#17becf",
];

/** The SVG document of one world's frontier: its scenarios' results, in order. */
export function frontierSvg(results: readonly ScenarioResult[]): string {
  const world = results[0]!.world;
  const rows = Math.ceil(results.length / columns);
  const height = header + rows * panel.height + legendHeight;
  const gap = (width - columns * panel.width) / (columns + 1);
  const strategies = results[0]!.baselines.map((b) => b.strategy);
  const colourOf = (strategy: string) =>
    baselineColours[strategies.indexOf(strategy) % baselineColours.length]!;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(gap, 26, `${world.name}: cost against weighted tardiness`, { size: 18, weight: "bold" }),
    ...wrap(world.description, 150).map((row, i) => text(gap, 46 + i * 15, row, { size: 12, fill: "#444" })),
  ];
  results.forEach((result, i) => {
    const x = gap + (i % columns) * (panel.width + gap);
    const y = header + Math.floor(i / columns) * panel.height;
    parts.push(panelSvg(result, x, y, colourOf));
  });
  parts.push(legend(gap, header + rows * panel.height + 10, strategies, colourOf), "</svg>");
  return `${parts.join("\n")}\n`;
}

function panelSvg(result: ScenarioResult, x0: number, y0: number, colourOf: (s: string) => string): string {
  const plot = {
    left: x0 + panel.left,
    right: x0 + panel.width - panel.right,
    top: y0 + panel.top,
    bottom: y0 + panel.height - panel.bottom,
  };
  const all = [...result.baselines.map((b) => b.metrics), ...result.curve.map((c) => c.metrics)];
  const inView = result.baselines.map((b) => onScale(b.metrics, all));
  const points = [
    ...result.baselines.filter((_, i) => inView[i]).map((b) => b.metrics),
    ...result.curve.map((c) => c.metrics),
  ];
  const xs = axis(
    points.map((m) => m.cost),
    plot.left,
    plot.right,
  );
  const ys = axis(
    points.map((m) => m.weighted_tardiness),
    plot.bottom,
    plot.top,
  );
  const { scenario, verdict } = result;
  const title =
    scenario.load === undefined ? scenario.name : `load ${Math.round(scenario.load.share * 100)} %`;
  const out = [
    text(plot.left, y0 + 16, title, { size: 13, weight: "bold" }),
    text(
      plot.left,
      y0 + 31,
      `target ${verdict.targetMet ? "met" : "missed"}; ${verdict.dominates ? "dominates every baseline" : `${verdict.notDominated.length} baseline(s) not dominated`}`,
      {
        size: 10,
        fill: verdict.targetMet && verdict.dominates ? "#2a7a2a" : "#a33",
      },
    ),
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of xs.ticks) {
    const px = xs.at(tick);
    out.push(
      line(px, plot.top, px, plot.bottom, "#eee"),
      text(px, plot.bottom + 14, dollars(tick), { size: 10, anchor: "middle" }),
    );
  }
  for (const tick of ys.ticks) {
    const py = ys.at(tick);
    out.push(
      line(plot.left, py, plot.right, py, "#eee"),
      text(plot.left - 4, py + 3, short(tick), { size: 10, anchor: "end" }),
    );
  }
  out.push(
    text((plot.left + plot.right) / 2, plot.bottom + 30, `cost, $${xs.log ? " (log)" : ""}`, {
      size: 11,
      anchor: "middle",
    }),
    `<text x="${x0 + 12}" y="${(plot.top + plot.bottom) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 ${x0 + 12} ${(plot.top + plot.bottom) / 2})">weighted tardiness, s${ys.log ? " (log)" : ""}</text>`,
  );
  const curve = result.curve.map((c) => ({
    price: c.priceOfLateness,
    x: xs.at(c.metrics.cost),
    y: ys.at(c.metrics.weighted_tardiness),
  }));
  out.push(
    `<polyline points="${curve.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")}" fill="none" stroke="${stewardColour}" stroke-width="2"/>`,
  );
  const taken: Box[] = curve.map((p) => box(p.x - 4, p.y - 4, 8, 8));
  for (const p of curve) {
    if (p.price === defaultPrice) {
      out.push(
        `<path d="M${p.x} ${p.y - 7}L${p.x + 7} ${p.y}L${p.x} ${p.y + 7}L${p.x - 7} ${p.y}Z" fill="${stewardColour}" stroke="#fff"/>`,
      );
    } else {
      out.push(`<circle cx="${p.x}" cy="${p.y}" r="3" fill="${stewardColour}"/>`);
    }
  }
  // Each baseline is a square numbered as in the legend.
  const squares = result.baselines.map((b, i) => ({
    // Off scale: on the edge, its values in its label.
    number: inView[i]
      ? String(i + 1)
      : `${i + 1} ($${b.metrics.cost.toFixed(0)}, ${short(b.metrics.weighted_tardiness)})`,
    colour: colourOf(b.strategy),
    x: xs.at(b.metrics.cost),
    y: ys.at(b.metrics.weighted_tardiness),
  }));
  for (const q of squares) {
    out.push(`<rect x="${q.x - 4}" y="${q.y - 4}" width="8" height="8" fill="${q.colour}" stroke="#fff"/>`);
    taken.push(box(q.x - 4, q.y - 4, 8, 8));
  }
  // Labels where they hide nothing (or, when every place is taken, to the right).
  const label = (x: number, y: number, content: string, style: { weight?: string; fill: string }) => {
    const w = 6 * content.length + 2;
    const spots = [
      [6, -5],
      [-6 - w, -5],
      [-w / 2, -16],
      [-w / 2, 6],
      [6, -16],
      [-6 - w, -16],
      [6, 6],
      [-6 - w, 6],
    ]
      .map(([dx, dy]) => box(x + dx!, y + dy!, w, 10))
      .filter(
        (b) => b.x >= plot.left && b.x + b.w <= plot.right && b.y >= plot.top && b.y + b.h <= plot.bottom,
      );
    const free =
      spots.find((spot) => !taken.some((t) => overlaps(t, spot))) ?? spots[0] ?? box(x + 6, y - 5, w, 10);
    taken.push(free);
    out.push(text(free.x + 1, free.y + 9, content, { size: 10, ...style }));
  };
  for (const q of squares) label(q.x, q.y, q.number, { weight: "bold", fill: q.colour });
  for (const [i, p] of curve.entries()) {
    const price = `$${p.price}`;
    if (p.price === defaultPrice) label(p.x, p.y, `default ${price}`, { fill: stewardColour });
    else if (i === 0 || i === curve.length - 1) label(p.x, p.y, price, { fill: stewardColour });
  }
  return out.join("\n");
}

/**
 * A baseline is drawn to scale unless its cost or its weighted tardiness is more than 20 times the
 * median of all the panel's points: one far beyond (a rule that sends everything to the dearest
 * model) would squeeze every other point into a corner.
 */
function onScale(point: Metrics, all: readonly Metrics[]): boolean {
  const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  return (
    point.cost <= 20 * median(all.map((m) => m.cost)) &&
    point.weighted_tardiness <= 20 * median(all.map((m) => m.weighted_tardiness))
  );
}

function legend(
  x: number,
  y: number,
  strategies: readonly string[],
  colourOf: (s: string) => string,
): string {
  const out = [
    line(x, y + 8, x + 24, y + 8, stewardColour, 2),
    `<circle cx="${x + 12}" cy="${y + 8}" r="3" fill="${stewardColour}"/>`,
    text(
      x + 30,
      y + 12,
      `Steward over prices of lateness (US $ per urgency-weighted minute late; the lowest and highest labelled), ◆ the default ($${defaultPrice})`,
      { size: 11 },
    ),
  ];
  strategies.forEach((strategy, i) => {
    const lx = x + (i % 4) * 235;
    const ly = y + 30 + Math.floor(i / 4) * 18;
    out.push(
      `<rect x="${lx + 8}" y="${ly - 4}" width="8" height="8" fill="${colourOf(strategy)}"/>`,
      text(lx + 22, ly + 4, `${i + 1} ${strategy}`, { size: 11 }),
    );
  });
  return out.join("\n");
}
