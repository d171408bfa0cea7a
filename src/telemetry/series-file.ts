import { StewardError } from "../errors.ts";

/**
 * Reads a series from the text of a file, for `steward detect`: a JSON array of numbers, or CSV
 * rows of `timestamp,value` or of a single number, with an optional header line. Pure: the
 * caller reads the file. A bad line is refused naming its number (1-based, as an editor shows
 * it), what it holds and what was expected, so the fix is obvious.
 */
export interface SeriesFile {
  format: "json" | "csv";
  values: number[];
  /** The timestamp column as written (CSV of two columns), else null. */
  timestamps: string[] | null;
  /** The header line's fields, when the CSV has one. */
  header: string[] | null;
}

function refuse(source: string, message: string, line?: number): StewardError {
  const where = line === undefined ? source : `${source}, line ${line}`;
  return new StewardError("validation_failed", `${where}: ${message}`, {
    details: line === undefined ? { source } : { source, line },
  });
}

/** A CSV field without its surrounding spaces and quotes. */
const unquote = (field: string) => field.trim().replace(/^"(.*)"$/, "$1");

/** Number() takes "" and " " for 0 and "0x10" for 16: only decimal notation is a value here. */
function toNumber(text: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * A JSON array of numbers, read token by token rather than by JSON.parse, so that every refusal
 * can name its line (V8's syntax errors do not always give a position).
 */
function parseJson(text: string, source: string): SeriesFile {
  const token =
    /\s*(?:(\[)|(\])|(,)|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"\\]|\\.)*"|[^\s,\]]+))/y;
  const expected = "expected a JSON array of numbers";
  const values: number[] = [];
  let line = 1;
  let state: "start" | "value" | "comma" | "end" = "start";
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const m = token.exec(text);
    if (m === null) break; // only whitespace is left
    for (let i = at; i < token.lastIndex - m[0].trimStart().length; i++) if (text[i] === "\n") line += 1;
    at = token.lastIndex;
    const [, open, close, comma, number, other] = m;
    if (state === "start" && open !== undefined) state = "value";
    else if (state === "value" && number !== undefined) {
      const v = Number(number);
      if (!Number.isFinite(v)) throw refuse(source, `${number} is out of range; ${expected}`, line);
      values.push(v);
      state = "comma";
    } else if ((state === "comma" || (state === "value" && values.length === 0)) && close !== undefined)
      state = "end";
    else if (state === "comma" && comma !== undefined) state = "value";
    else {
      const found = open ?? close ?? comma ?? number ?? other ?? "";
      const wanted =
        state === "start"
          ? "["
          : state === "value"
            ? "a number"
            : state === "comma"
              ? ", or ]"
              : "nothing after ]";
      throw refuse(
        source,
        `found ${found}, expected ${wanted}; the file must be a JSON array of numbers`,
        line,
      );
    }
  }
  if (state !== "end") throw refuse(source, `the array is not closed with ]; ${expected}`, line);
  if (values.length === 0) throw refuse(source, "the array is empty; expected at least one number");
  return { format: "json", values, timestamps: null, header: null };
}

function parseCsv(text: string, source: string): SeriesFile {
  const rows = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, fields: line.split(",").map(unquote) }))
    .filter((row) => row.fields.some((f) => f !== ""));
  if (rows.length === 0)
    throw refuse(source, "the file is empty; expected numbers, one a line, or timestamp,value rows");
  const columns = rows[0]!.fields.length;
  const expected = columns === 1 ? "a number" : "timestamp,value (the value a number)";
  if (columns > 2)
    throw refuse(
      source,
      `found ${columns} fields; expected one number a line or timestamp,value`,
      rows[0]!.line,
    );
  // The first line is a header when its value field is no number ("value", "timestamp,value").
  let header: string[] | null = null;
  if (toNumber(rows[0]!.fields[columns - 1]!) === null) {
    header = rows[0]!.fields;
    rows.shift();
  }
  const values: number[] = [];
  const timestamps: string[] = [];
  for (const { line, fields } of rows) {
    if (fields.length !== columns)
      throw refuse(source, `found ${fields.length} fields; expected ${expected}, as on the first line`, line);
    const raw = fields[columns - 1]!;
    const value = toNumber(raw);
    if (value === null) throw refuse(source, `"${raw}" is not a number; expected ${expected}`, line);
    if (columns === 2) {
      if (fields[0] === "") throw refuse(source, `the timestamp is empty; expected ${expected}`, line);
      timestamps.push(fields[0]!);
    }
    values.push(value);
  }
  if (values.length === 0) throw refuse(source, `only a header; expected ${expected} on the lines after it`);
  return { format: "csv", values, timestamps: columns === 2 ? timestamps : null, header };
}

/** `source` names the file in messages. A text starting with "[" is JSON, anything else CSV. */
export function parseSeriesFile(text: string, source: string): SeriesFile {
  const body = text.replace(/^\uFEFF/, "");
  return body.trimStart().startsWith("[") ? parseJson(body, source) : parseCsv(body, source);
}
