/**
 * The numbered sections of an FSAR report's proposal in Markdown, in the seed's layout and the
 * looser ones other agents write (bold sub-headings, labelled code blocks, findings lists), and
 * the line-level pieces the parser and the renderer share: errors, escapes, code spans.
 */
import { StewardError } from "../errors.ts";
import type { Evidence, Finding, ProposalAction, ProposalSection } from "./fsar-report.ts";

/** A line of the proposal, or a fenced code block with its lines (which may look like headings). */
export type Item =
  | { kind: "line"; n: number; text: string }
  | { kind: "fence"; n: number; lang: string; content: string; raw: string[] };

/** The title of the section that lists the findings no other section names. */
export const OTHER_FINDINGS = "Other findings";
const FINDING_LINE = "- severity <1-10>[, blocking]: <summary> (`<key>`)";

export function fail(
  line: number,
  expected: string,
  found: string | undefined,
  options: { quoted?: boolean; end?: string } = {},
): never {
  const cut = (found ?? "").slice(0, 120);
  const shown = found === undefined ? (options.end ?? "the end of the report") : `"${cut}"`;
  const wanted = options.quoted === false ? expected : `"${expected}"`;
  throw new StewardError("validation_failed", `line ${line}: expected ${wanted}, found ${shown}`, {
    details: { line, expected, found: cut },
  });
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** A one-line field: its newlines, with the blanks around them, become one space. */
export function fold(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ");
}

export function parseSeverity(text: string): number | undefined {
  return /^(?:10|[1-9])$/.test(text) ? Number(text) : undefined;
}

export function matchBullet(text: string): { indent: number; body: string } | undefined {
  const m = /^(\s*)(?:[-*+]|\d{1,9}[.)])(?:\s|$)/.exec(text);
  return m ? { indent: m[1]!.length, body: text.slice(m[0].length).trim() } : undefined;
}

// Text lines that would read as structure get a backslash; the set is closed under "starts with
// backslashes, then structure" so that unescaping gives back exactly what was escaped.
export const PREFIX_ESCAPED = /^\\*(?:#|\*\*|```|~~~|[-*+](?:\s|$))/;
export const NUMBER_ESCAPED = /^\d{1,9}\\*[.)](?:\s|$)/;

export function splitIndent(line: string): [string, string] {
  const body = line.trimStart();
  return [line.slice(0, line.length - body.length), body];
}

function unescapeLine(line: string): string {
  const [indent, body] = splitIndent(line);
  if (body.startsWith("\\") && PREFIX_ESCAPED.test(body.slice(1))) return indent + body.slice(1);
  if (!NUMBER_ESCAPED.test(body) || !/^\d+\\/.test(body)) return line;
  const digits = /^\d+/.exec(body)![0];
  return `${indent}${digits}${body.slice(digits.length + 1)}`;
}

export function textBlock(lines: string[]): string {
  const trimmed = lines.map((l) => l.trimEnd());
  let from = 0;
  let to = trimmed.length;
  while (from < to && trimmed[from] === "") from++;
  while (to > from && trimmed[to - 1] === "") to--;
  return trimmed.slice(from, to).join("\n");
}

export function itemsText(items: Item[]): string {
  return textBlock(items.flatMap((it) => (it.kind === "line" ? [unescapeLine(it.text)] : it.raw)));
}

function inlineText(raw: string): string {
  return raw
    .replace(/\*\*/g, "")
    .replace(/\\([*\\])/g, "$1")
    .trim();
}

function unpad(content: string): string {
  return content.length >= 2 && content.startsWith(" ") && content.endsWith(" ") && content.trim() !== ""
    ? content.slice(1, -1)
    : content;
}

function runBefore(text: string, end: number): number {
  let start = end;
  while (start > 0 && text[start - 1] === "`") start--;
  return end - start;
}

/** The code of a text that is exactly one code span. */
function parseCodeSpan(raw: string): string | undefined {
  const text = raw.trim();
  const n = /^`*/.exec(text)![0].length;
  if (n === 0 || text.length <= 2 * n || runBefore(text, text.length) !== n) return undefined;
  const content = text.slice(n, -n);
  return (content.match(/`+/g) ?? []).some((r) => r.length === n) ? undefined : unpad(content);
}

/** The `(`key`)` a text ends with: its code and where it starts. */
function trailingCodeSpan(text: string): { code: string; start: number } | undefined {
  if (!text.endsWith(")")) return undefined;
  const close = text.length - 1;
  const n = runBefore(text, close);
  if (n === 0) return undefined;
  let j = close - n;
  while (j > 0) {
    const run = runBefore(text, j);
    if (run === 0) {
      j--;
      continue;
    }
    if (run !== n) {
      j -= run;
      continue;
    }
    const open = j - run;
    if (open === 0 || text[open - 1] !== "(") return undefined;
    return { code: unpad(text.slice(j, close - n)), start: open - 1 };
  }
  return undefined;
}

const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function readToken(
  text: string,
  start: number,
  stops: string,
): { value: string; quoted: boolean; end: number } | undefined {
  let i = start;
  while (text[i] === " ") i++;
  if (text[i] === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    if (j >= text.length) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(i, j + 1));
    } catch {
      return undefined;
    }
    let end = j + 1;
    while (text[end] === " ") end++;
    return typeof value === "string" ? { value, quoted: true, end } : undefined;
  }
  let j = i;
  while (j < text.length && !stops.includes(text[j]!)) j++;
  return { value: text.slice(i, j).trim(), quoted: false, end: j };
}

function parseNumbers(text: string): Evidence["numbers"] | undefined {
  const entries: [string, number | string | null][] = [];
  let i = 0;
  while (i < text.length) {
    const name = readToken(text, i, "=,");
    if (!name || name.value === "" || text[name.end] !== "=") return undefined;
    const value = readToken(text, name.end + 1, ",");
    if (!value) return undefined;
    const scalar = value.quoted ? value.value : value.value === "null" ? null : value.value;
    entries.push([
      name.value,
      typeof scalar === "string" && !value.quoted && NUMERIC.test(scalar) ? Number(scalar) : scalar,
    ]);
    i = value.end;
    if (i < text.length && text[i++] !== ",") return undefined;
  }
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function parseEvidence(text: string): Evidence {
  const parts = text.split("; ");
  let last = parts.length - 1;
  const numbers = last > 0 ? parseNumbers(parts[last]!) : undefined;
  if (numbers) last--;
  const window = last > 0 ? /^window (\S+) to (\S+)$/.exec(parts[last]!.trim()) : null;
  if (window) last--;
  const source = parts
    .slice(0, last + 1)
    .join("; ")
    .trim();
  return {
    numbers: numbers ?? {},
    ...(window ? { window: { from: window[1]!, to: window[2]! } } : {}),
    source,
  };
}

function parseFinding(body: string, n: number, line: string): Finding {
  const m = /^severity\s+([^\s,:]+)\s*(,\s*blocking\s*)?:/i.exec(body);
  const severity = m ? parseSeverity(m[1]!) : undefined;
  const rest = m ? body.slice(m[0].length).trim() : "";
  const span = trailingCodeSpan(rest);
  if (!m || severity === undefined || !span) fail(n, FINDING_LINE, line);
  const key = span.code;
  const dot = key.indexOf(".");
  const colon = key.indexOf(":");
  return {
    assessor: dot < 0 ? key : key.slice(0, dot),
    code: colon < 0 ? key : key.slice(0, colon),
    key,
    severity,
    blocking: m[2] !== undefined,
    summary: rest.slice(0, span.start).trim(),
    evidence: { numbers: {}, source: "reported" },
    kinds: [],
  };
}

interface SectionState {
  text: string[];
  inText: boolean;
  extra: string[];
  mode: "actions" | "findings";
  prefix: string;
  base: number | undefined;
  action: ProposalAction | undefined;
  finding: Finding | undefined;
  pending: { label: string; text: string } | undefined;
  keys: string[];
  actions: ProposalAction[];
  seen: Map<string, Finding>;
}

export function parseSection(
  number: number,
  title: string,
  items: Item[],
  seen: Map<string, Finding>,
): ProposalSection {
  const st: SectionState = {
    text: [],
    inText: true,
    extra: [],
    mode: "actions",
    prefix: "",
    base: undefined,
    action: undefined,
    finding: undefined,
    pending: undefined,
    keys: [],
    actions: [],
    seen,
  };
  for (const item of items) {
    if (item.kind === "fence") {
      st.inText = false;
      onFence(st, item);
    } else if (item.text.trim() === "") {
      if (st.inText) st.text.push("");
    } else if (st.inText && !isStructural(item.text)) {
      st.text.push(item.text);
    } else {
      st.inText = false;
      onLine(st, item.n, item.text);
    }
  }
  flushPending(st);
  const text = [itemsText(lineItems(st.text)), itemsText(lineItems(st.extra))].filter((t) => t !== "");
  return { number, title, text: text.join("\n\n"), findings: st.keys, actions: st.actions };
}

const lineItems = (lines: string[]): Item[] => lines.map((text) => ({ kind: "line", n: 0, text }));

function isStructural(text: string): boolean {
  return /^(?:#|\*\*|```|~~~)/.test(text.trimStart()) || matchBullet(text) !== undefined;
}

function onLine(st: SectionState, n: number, text: string): void {
  const bullet = matchBullet(text);
  if (bullet) {
    onBullet(st, n, text, bullet);
    return;
  }
  flushPending(st);
  const body = text.trim();
  if ((body.startsWith("#") || body.startsWith("**")) && onLabelLine(st, body)) return;
  if (/^\s/.test(text) && st.mode === "findings" && st.finding) st.finding.summary += ` ${body}`;
  else if (/^\s/.test(text) && st.mode === "actions" && st.action) appendText(st.action, inlineText(body));
  else st.extra.push(body);
}

const ACTIONS_LABEL =
  /^(?:(?:recommended|proposed|suggested)\s+)?(?:actions?|action items|next steps|steps)(?:\s+to take)?$/i;

/** A bold or `#` line: "**Findings:**", "**Action:**", or a sub-heading that prefixes its actions. */
function onLabelLine(st: SectionState, body: string): boolean {
  const bold = /^\*\*(.+?)\*\*(.*)$/s.exec(body);
  if (!body.startsWith("#") && !bold) return false;
  const label = (bold ? bold[1]! : body.replace(/^#+/, "")).trim().replace(/:$/, "").trim();
  const rest = bold ? bold[2]!.replace(/^\s*:?\s*/, "") : "";
  st.action = undefined;
  st.finding = undefined;
  st.base = undefined;
  st.mode = /^findings?$/i.test(label) ? "findings" : "actions";
  if (st.mode === "findings") {
    st.prefix = "";
    if (rest) st.extra.push(rest);
  } else if (ACTIONS_LABEL.test(label)) {
    st.prefix = "";
    if (rest) newAction(st, inlineText(rest));
  } else if (rest) newAction(st, inlineText(body));
  else st.prefix = inlineText(label);
  return true;
}

function onBullet(st: SectionState, n: number, line: string, bullet: { indent: number; body: string }): void {
  flushPending(st);
  const current = st.mode === "findings" ? st.finding : st.action;
  // Deeper than the list's first bullet (by two or more): it belongs to the item above it.
  const nested = st.base !== undefined && bullet.indent > st.base + 1 && current !== undefined;
  if (!nested) st.base = bullet.indent;
  if (st.mode === "findings" && nested) onFindingDetail(st.finding!, bullet.body);
  else if (st.mode === "findings") onFindingBullet(st, n, line, bullet.body);
  else if (nested) onActionDetail(st, st.action!, bullet.body);
  else newAction(st, inlineText(bullet.body));
}

function onFindingBullet(st: SectionState, n: number, line: string, body: string): void {
  const key = parseCodeSpan(body);
  st.finding = undefined;
  if (key !== undefined) st.keys.push(key);
  else if (!/^severity\b/i.test(body)) st.extra.push(line.trim());
  else {
    st.finding = parseFinding(body, n, line);
    st.keys.push(st.finding.key);
    if (!st.seen.has(st.finding.key)) st.seen.set(st.finding.key, st.finding);
  }
}

/** A nested bullet of an action: a label for the code block below it, a command, or more words. */
function onActionDetail(st: SectionState, action: ProposalAction, body: string): void {
  const bold = /^\*\*(.+?)\*\*(.*)$/s.exec(body);
  const label = bold ? bold[1]!.trim().replace(/:$/, "") : "";
  const rest = bold ? bold[2]!.replace(/^\s*:?\s*/, "") : "";
  const code = bold && rest ? parseCodeSpan(rest) : undefined;
  const field = fieldFor(label, "");
  if (bold && rest === "") st.pending = { label, text: inlineText(body) };
  else if (code !== undefined && field) setField(action, field, code);
  else appendText(action, inlineText(body));
}

function onFindingDetail(finding: Finding, body: string): void {
  const evidence = /^evidence\s*:/i.exec(body);
  if (evidence) finding.evidence = parseEvidence(body.slice(evidence[0].length).trim());
  else finding.summary = `${finding.summary} ${body}`.trim();
}

type Field = "command" | "sql" | "config";
const CONFIG_LANGS = new Set(["json", "jsonc", "json5", "yaml", "yml", "toml", "ini"]);
const COMMAND_LANGS = new Set(["sh", "bash", "shell", "console", "zsh", "powershell", "ps1", "cmd"]);

/** What a code block is: by its language when it names one, else by the label before it. */
function fieldFor(label: string, lang: string): Field | undefined {
  if (lang === "sql") return "sql";
  if (CONFIG_LANGS.has(lang)) return "config";
  if (COMMAND_LANGS.has(lang)) return "command";
  if (/sql/i.test(label)) return "sql";
  if (/config/i.test(label)) return "config";
  return /command/i.test(label) ? "command" : undefined;
}

function onFence(st: SectionState, fence: Extract<Item, { kind: "fence" }>): void {
  const pending = st.pending;
  st.pending = undefined;
  const action = st.action ?? newAction(st, "");
  const field = fieldFor(pending?.label ?? "", fence.lang);
  if (field) setField(action, field, fence.content);
  else appendText(action, fold(`${pending?.text ?? ""} ${fence.content}`));
}

function setField(action: ProposalAction, field: Field, value: string): void {
  if (value !== "") action[field] = action[field] ? `${action[field]}\n${value}` : value;
}

function appendText(action: ProposalAction, text: string): void {
  if (text) action.text = action.text ? `${action.text} ${text}` : text;
}

function flushPending(st: SectionState): void {
  if (st.pending && st.action) appendText(st.action, st.pending.text);
  st.pending = undefined;
}

function newAction(st: SectionState, text: string): ProposalAction {
  const action = { text: st.prefix ? (text ? `${st.prefix}: ${text}` : st.prefix) : text };
  st.actions.push(action);
  st.action = action;
  return action;
}
