/** The pieces the frontier picture (frontier-svg.ts) is drawn with: boxes, axes, text. */

/** A rectangle on the page, to keep labels from covering one another. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A box at (x, y), w wide and h high. */
export function box(x: number, y: number, w: number, h: number): Box {
  return { x, y, w, h };
}

/** The two boxes share some area. */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** One axis of a panel: its scale, its ticks, and where a value falls on the page. */
export interface Axis {
  log: boolean;
  ticks: number[];
  at(value: number): number;
}

/** A linear or logarithmic axis over the values, mapped from `from` (lowest) to `to` (highest). */
export function axis(values: readonly number[], from: number, to: number): Axis {
  const positive = values.filter((v) => v > 0);
  const max = Math.max(...values, 0);
  const minPositive = Math.min(...positive);
  const log = positive.length > 0 && max / minPositive > 8;
  if (log) {
    const lo = Math.log10(minPositive) - 0.1;
    const hi = Math.log10(max) + 0.1;
    // Zeros, and values off the scale, sit on its edges.
    const at = (v: number) => {
      const e = v > 0 ? Math.min(hi, Math.max(lo, Math.log10(v))) : lo;
      return from + ((e - lo) / (hi - lo)) * (to - from);
    };
    const steps = hi - lo >= 4 ? [1] : hi - lo >= 1.5 ? [1, 3] : [1, 2, 5];
    const ticks: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (const s of steps)
        if (Math.log10(s * 10 ** e) >= lo && Math.log10(s * 10 ** e) <= hi) ticks.push(s * 10 ** e);
    }
    return { log, ticks, at };
  }
  const top = max === 0 ? 1 : max * 1.08;
  const step = niceStep(top / 5);
  const ticks = Array.from({ length: Math.floor(top / step) + 1 }, (_, i) => i * step);
  return { log, ticks, at: (v) => from + (Math.min(v, top) / top) * (to - from) };
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Lines of at most `chars` characters, broken at spaces. */
export function wrap(content: string, chars: number): string[] {
  const rows: string[] = [];
  for (const word of content.split(" ")) {
    const last = rows[rows.length - 1];
    if (last !== undefined && last.length + word.length + 1 <= chars)
      rows[rows.length - 1] = `${last} ${word}`;
    else rows.push(word);
  }
  return rows;
}

/** A straight line. */
export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, widthPx = 1): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${stroke}" stroke-width="${widthPx}"/>`;
}

/** A text, escaped for XML. */
export function text(
  x: number,
  y: number,
  content: string,
  style: { size: number; weight?: string; fill?: string; anchor?: string },
): string {
  const escaped = content.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${style.size}"${style.weight ? ` font-weight="${style.weight}"` : ""} fill="${style.fill ?? "#222"}"${style.anchor ? ` text-anchor="${style.anchor}"` : ""}>${escaped}</text>`;
}

/** A tick's amount of money: "$20", "$0.5". */
export function dollars(value: number): string {
  return value >= 1 || value === 0 ? `$${Number(value.toPrecision(3))}` : `$${value.toPrecision(1)}`;
}

/** A tick's count, shortened: "300k", "1.5M". */
export function short(value: number): string {
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (value >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return `${Number(value.toPrecision(3))}`;
}
