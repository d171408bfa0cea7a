/**
 * A plain-text table a person can read: columns padded, numbers right-aligned. Given a width
 * (the terminal's), the widest columns are cut, with "…", until a line fits; a column is never
 * cut below its header or 8 characters, so a table of very many columns may still be wider.
 * `--wide` (or output to a pipe) shows every cell whole.
 */
export function renderTable(
  headers: string[],
  rows: (string | number | null | undefined)[][],
  options: { width?: number } = {},
): string {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? "" : String(cell))),
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  if (options.width !== undefined) fit(widths, headers, options.width);
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number"));
  const line = (row: string[]) =>
    row
      .map((cell, i) => {
        const width = widths[i]!;
        const shown = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
        return numeric[i] ? shown.padStart(width) : shown.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "─".repeat(w))), ...cells.map(line)].join("\n");
}

/** Narrows the widest column, one character at a time, until the table fits or none can give more. */
function fit(widths: number[], headers: string[], width: number): void {
  const floor = headers.map((h) => Math.max(h.length, 8));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if (widths[i]! > floor[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) return;
    widths[widest]! -= 1;
  }
}
