/**
 * FSAR reports as JSON (Steward's own, or another system's), validated with zod; and
 * parseFsarText, which reads a report in either format.
 */
import { z } from "zod";
import { isStewardError, StewardError } from "../errors.ts";
import {
  isFsarId,
  isIsoDateTime,
  MAX_REPORT_CHARS,
  type ParsedFsar,
  parseFsarMarkdown,
  parseProposalText,
  tooLong,
} from "./fsar-markdown.ts";
import type { Finding, Proposal } from "./fsar-report.ts";

const SEVERITY = "an integer from 1 to 10";
const PROPOSAL = "a string (the text after self_improvement:) or an object {summary, sections, conclusion}";

const str = (what = "a string") => z.string({ error: what });
const severity = z
  .number({ error: SEVERITY })
  .int({ error: SEVERITY })
  .min(1, { error: SEVERITY })
  .max(10, { error: SEVERITY });
const list = (what: string) => z.array(str(), { error: what });

const evidenceSchema = z.object(
  {
    numbers: z
      .record(str(), z.union([z.number(), z.string(), z.null()], { error: "a number, a string or null" }), {
        error: "an object of named values",
      })
      .default({}),
    window: z.object({ from: str(), to: str() }, { error: "an object {from, to}" }).optional(),
    source: str().default("reported"),
  },
  { error: "an object {numbers, window?, source}" },
);

const findingSchema = z.object(
  {
    assessor: str("a string (who found it)"),
    code: str("a string (what kind of problem)"),
    key: str().optional(),
    severity,
    blocking: z.boolean({ error: "true or false" }).default(false),
    summary: str(),
    evidence: evidenceSchema.default({ numbers: {}, source: "reported" }),
    kinds: list("a list of task kinds").default([]),
  },
  { error: "an object (a finding)" },
);

const actionSchema = z.object(
  { text: str(), command: str().optional(), sql: str().optional(), config: str().optional() },
  { error: "an object {text, command?, sql?, config?}" },
);

const proposalSchema = z.object({
  summary: str().default(""),
  sections: z
    .array(
      z.object(
        {
          number: z
            .number({ error: "a whole number from 1" })
            .int({ error: "a whole number from 1" })
            .min(1, { error: "a whole number from 1" }),
          title: str(),
          text: str().default(""),
          findings: list("a list of finding keys").default([]),
          actions: z.array(actionSchema, { error: "a list of actions" }).default([]),
        },
        { error: "an object (a section)" },
      ),
      { error: "a list of sections" },
    )
    .default([]),
  conclusion: str().default(""),
});

// Unknown top-level keys (Steward's own "source", "trigger", "resolved", …) are dropped.
const reportSchema = z.object(
  {
    id: str('"fsar_" followed by a UUID').refine(isFsarId, { error: '"fsar_" followed by a UUID' }),
    timestamp: str("an ISO-8601 date-time").refine(isIsoDateTime, { error: "an ISO-8601 date-time" }),
    severity,
    block_execution: z.boolean({ error: "true or false" }),
    proposal: z.union([z.string(), z.looseObject({})], { error: PROPOSAL }),
    findings: z.array(findingSchema, { error: "a list of findings" }).optional(),
    risks: list("a list of strings"),
    mitigations: list("a list of strings"),
  },
  { error: "an object (an FSAR report)" },
);

type Segment = string | number;

/**
 * Reads a JSON report. Refuses what does not fit with StewardError "validation_failed",
 * details { path, line, expected, found }; never throws anything else.
 */
export function parseFsarJson(text: string): ParsedFsar {
  if (text.length > MAX_REPORT_CHARS) tooLong(text);
  const body = text.replace(/^\uFEFF/, "");
  const syntax = scanJson(body, undefined).error;
  if (syntax) refuseSyntax(body, syntax);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const at = /at position (\d+)/.exec(String(error))?.[1];
    const pos = Math.min(Number(at ?? 0), body.length);
    refuseSyntax(body, { pos, line: lineAt(body, pos), expected: "valid JSON", path: [] });
  }
  const parsed = reportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(body, value, issue.path as Segment[], issue.message);
  }
  const report = parsed.data;
  const { proposal, findings: listed } =
    typeof report.proposal === "string"
      ? proposalFromText(body, report.proposal)
      : { proposal: proposalFromObject(body, value, report.proposal), findings: [] };
  const findings: Finding[] = (report.findings ?? []).map((f) => ({ ...f, key: f.key ?? f.code }));
  const keys = new Set(findings.map((f) => f.key));
  for (const finding of listed) if (!keys.has(finding.key)) findings.push(finding);
  const { id, timestamp, risks, mitigations } = report;
  return {
    id,
    timestamp,
    severity: report.severity,
    block_execution: report.block_execution,
    proposal,
    findings,
    risks,
    mitigations,
  };
}

/** A report in either format: JSON when its first non-blank character is `{`, else Markdown. */
export function parseFsarText(text: string): ParsedFsar & { format: "markdown" | "json" } {
  if (text.length > MAX_REPORT_CHARS) tooLong(text);
  return /^\uFEFF?\s*\{/.test(text)
    ? { ...parseFsarJson(text), format: "json" }
    : { ...parseFsarMarkdown(text), format: "markdown" };
}

function proposalFromObject(text: string, root: unknown, value: unknown): Proposal {
  const parsed = proposalSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(text, root, ["proposal", ...(issue.path as Segment[])], issue.message);
  }
  return parsed.data;
}

function proposalFromText(text: string, proposal: string): { proposal: Proposal; findings: Finding[] } {
  try {
    return parseProposalText(proposal);
  } catch (error) {
    if (!isStewardError(error)) throw error;
    const line = locate(text, ["proposal"]);
    const {
      line: inner,
      expected,
      found,
    } = error.details as { line: number; expected: string; found: string };
    throw new StewardError(
      "validation_failed",
      `proposal (line ${line}), line ${inner} of its text: ${error.message.replace(/^line \d+: /, "")}`,
      { details: { path: "proposal", line, proposalLine: inner, expected, found } },
    );
  }
}

function refuse(text: string, root: unknown, path: Segment[], expected: string): never {
  const where = formatPath(path);
  const line = locate(text, path);
  const found = describe(valueAt(root, path));
  throw new StewardError(
    "validation_failed",
    `${where || "the report"} (line ${line}): expected ${expected}, found ${found}`,
    { details: { path: where, line, expected, found } },
  );
}

interface SyntaxProblem {
  pos: number;
  line: number;
  expected: string;
  path: Segment[];
}

function refuseSyntax(text: string, problem: SyntaxProblem): never {
  const where = formatPath(problem.path);
  const column = problem.pos - text.lastIndexOf("\n", problem.pos - 1);
  const rest = text.slice(problem.pos, problem.pos + 120).split(/\r?\n/)[0]!;
  const found = problem.pos >= text.length ? "the end of the text" : `"${rest}"`;
  throw new StewardError(
    "validation_failed",
    `${where ? `${where} ` : ""}(line ${problem.line}, column ${column}): not valid JSON: expected ${problem.expected}, found ${found}`,
    { details: { path: where, line: problem.line, column, expected: problem.expected, found: rest } },
  );
}

function formatPath(path: Segment[]): string {
  const text = path.reduce<string>((acc, seg) => {
    if (typeof seg === "number") return `${acc}[${seg}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(seg)) return acc ? `${acc}.${seg}` : seg;
    return `${acc}[${JSON.stringify(seg)}]`;
  }, "");
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function valueAt(root: unknown, path: Segment[]): unknown {
  let value = root;
  for (const seg of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, seg)) return undefined;
    value = (value as Record<Segment, unknown>)[seg];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (it is missing)";
  if (typeof value === "string")
    return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === "object" && value !== null ? "an object" : String(value);
}

/** The line where the value at `path` starts; the nearest enclosing value's when it is missing. */
function locate(text: string, path: Segment[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const line = scanJson(text, path.slice(0, depth)).line;
    if (line !== undefined) return line;
  }
  return 1;
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < pos; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * Walks JSON text without recursion (deeply nested input must not overflow the stack): returns
 * the line where the value at `target` starts, or the first syntax error and the path it is at.
 */
function scanJson(text: string, target: Segment[] | undefined): { line?: number; error?: SyntaxProblem } {
  let pos = 0;
  let line = 1;
  const stack: { array: boolean; seg: Segment | undefined }[] = [];
  let matched = 0; // how many frames, from the root, are on the target's path
  const skip = () => {
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (c === "\n") line++;
      else if (c !== " " && c !== "\t" && c !== "\r") return;
    }
  };
  const error = (expected: string) => ({
    error: { pos, line, expected, path: stack.flatMap((f) => (f.seg === undefined ? [] : [f.seg])) },
  });
  const setSeg = (seg: Segment | undefined) => {
    const depth = stack.length - 1;
    stack[depth]!.seg = seg;
    if (matched >= depth) matched = target?.[depth] === seg && seg !== undefined ? depth + 1 : depth;
  };
  const readKey = (): boolean => {
    skip();
    setSeg(undefined);
    const end = text[pos] === '"' ? stringEnd(text, pos) : -1;
    if (end < 0) return false;
    setSeg(JSON.parse(text.slice(pos, end)) as string);
    pos = end;
    skip();
    if (text[pos] !== ":") return false;
    pos++;
    return true;
  };
  let wantValue = true;
  for (;;) {
    skip();
    if (wantValue) {
      if (target && matched === stack.length && stack.length === target.length) return { line };
      const c = text[pos];
      if (c === "{" || c === "[") {
        pos++;
        skip();
        if (text[pos] === (c === "{" ? "}" : "]")) {
          pos++;
          wantValue = false;
          continue;
        }
        stack.push({ array: c === "[", seg: undefined });
        if (c === "[") setSeg(0);
        else if (!readKey()) return error('a "key": value');
        continue;
      }
      const end = scalarEnd(text, pos);
      if (end < 0) return error(c === '"' ? "a string closed on its line, with valid escapes" : "a value");
      pos = end;
      wantValue = false;
      continue;
    }
    const top = stack.at(-1);
    if (!top) return pos < text.length ? error("the end of the text") : {};
    if (text[pos] === ",") {
      pos++;
      wantValue = true;
      if (top.array) setSeg((top.seg as number) + 1);
      else if (!readKey()) return error('a "key": value');
    } else if (text[pos] === (top.array ? "]" : "}")) {
      pos++;
      stack.pop();
      matched = Math.min(matched, stack.length);
    } else return error(top.array ? "',' or ']'" : "',' or '}'");
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scalarEnd(text: string, pos: number): number {
  const c = text[pos];
  if (c === '"') return stringEnd(text, pos);
  for (const word of ["true", "false", "null"]) if (text.startsWith(word, pos)) return pos + word.length;
  NUMBER.lastIndex = pos;
  return NUMBER.test(text) ? NUMBER.lastIndex : -1;
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 32) return -1;
    if (c !== 92) i++;
    else if ('"\\/bfnrt'.includes(text[i + 1] ?? "x")) i += 2;
    else if (text[i + 1] === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
    else return -1;
  }
  return -1;
}
