/**
 * FSAR reports as Markdown, in the seed's layout: rendered from an FsarReport, and parsed back
 * from Steward's own or another system's (the layout is in the header of renderFsarMarkdown).
 */
import { StewardError } from "../errors.ts";
import {
  fail,
  fold,
  type Item,
  itemsText,
  matchBullet,
  NUMBER_ESCAPED,
  OTHER_FINDINGS,
  PREFIX_ESCAPED,
  parseSection,
  parseSeverity,
  splitIndent,
  splitLines,
  textBlock,
} from "./fsar-markdown-sections.ts";
import type {
  Evidence,
  Finding,
  FsarReport,
  Proposal,
  ProposalAction,
  ProposalSection,
} from "./fsar-report.ts";

/** What a report's text holds (Markdown or JSON); the rest of an FsarReport is Steward's own bookkeeping. */
export interface ParsedFsar {
  id: string;
  timestamp: string;
  severity: number;
  block_execution: boolean;
  proposal: Proposal;
  /** From the sections' **Findings:** lists (Steward's format), each once; [] when there are none. */
  findings: Finding[];
  risks: string[];
  mitigations: string[];
}

export const MAX_REPORT_CHARS = 1_000_000;
const TOO_LONG = "a report of at most 1,000,000 characters";
/** An empty list renders as this one bullet, which parses back as []. */
const NONE = "(none)";

export function isFsarId(value: string): boolean {
  return /^fsar_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** An ISO-8601 date-time with a time part, a real calendar date, and one Date.parse accepts. */
export function isIsoDateTime(value: string): boolean {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      value,
    );
  if (!m || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0));
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return (
    month! >= 1 && month! <= 12 && day! >= 1 && day! <= days && hour! <= 23 && minute! <= 59 && second! <= 59
  );
}

export function tooLong(text: string): never {
  throw new StewardError(
    "validation_failed",
    `line 1: expected ${TOO_LONG}, found ${text.length.toLocaleString("en-US")} characters`,
    { details: { line: 1, expected: TOO_LONG, found: splitLines(text.slice(0, 1000))[0]!.slice(0, 120) } },
  );
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/**
 * The report in the seed's layout: the five `- key: value` lines, `self_improvement:` and the
 * summary, one `### N. Title` per section (its text, **Findings:** with each finding's severity,
 * key and evidence, **Action:** with each action's command, SQL and configuration), a last
 * "Other findings" section for findings no section names, `### Conclusion` when there is one, then
 * `## Risks` and `## Mitigations`. One-line fields have their newlines folded into spaces; text
 * lines that would read as structure are escaped with a backslash (parseFsarMarkdown undoes it).
 */
export function renderFsarMarkdown(report: FsarReport): string {
  const { proposal } = report;
  const summary = escapeBlock(proposal.summary);
  const out = [
    "# FSAR Proposal Report",
    `- id: ${fold(report.id)}`,
    `- timestamp: ${fold(report.timestamp)}`,
    `- severity: ${report.severity}`,
    `- block_execution: ${report.block_execution}`,
    "- proposal:",
    "",
    summary.length > 0 ? `self_improvement:  ${summary[0]}` : "self_improvement:",
    ...summary.slice(1),
  ];
  const byKey = new Map<string, Finding>();
  for (const finding of report.findings) if (!byKey.has(finding.key)) byKey.set(finding.key, finding);
  for (const section of withOtherFindings(proposal.sections, report.findings)) {
    out.push("", `### ${section.number}. ${fold(section.title)}`.trimEnd(), ...escapeBlock(section.text));
    if (section.findings.length > 0)
      out.push("", "**Findings:**", ...section.findings.flatMap((key) => renderFinding(byKey.get(key), key)));
    if (section.actions.length > 0) out.push("", "**Action:**", ...section.actions.flatMap(renderAction));
  }
  const conclusion = escapeBlock(proposal.conclusion);
  if (conclusion.length > 0) out.push("", "### Conclusion", ...conclusion);
  out.push(
    "",
    "## Risks",
    ...renderList(report.risks),
    "",
    "## Mitigations",
    ...renderList(report.mitigations),
  );
  return `${out.join("\n")}\n`;
}

function withOtherFindings(sections: ProposalSection[], findings: Finding[]): ProposalSection[] {
  const named = new Set(sections.flatMap((s) => s.findings));
  const others = [...new Set(findings.map((f) => f.key).filter((key) => !named.has(key)))];
  if (others.length === 0) return sections;
  const number = sections.reduce((max, s) => Math.max(max, s.number), 0) + 1;
  return [...sections, { number, title: OTHER_FINDINGS, text: "", findings: others, actions: [] }];
}

function renderList(items: string[]): string[] {
  return items.length > 0 ? items.map((item) => `- ${fold(item)}`.trimEnd()) : [`- ${NONE}`];
}

function renderAction(action: ProposalAction): string[] {
  const out = [`- ${escapeInline(fold(action.text))}`.trimEnd()];
  const { command, sql, config } = action;
  if (command && /[\r\n]/.test(command)) out.push("  - **Command:**", ...renderFence("sh", command));
  else if (command) out.push(`  - **Command:** ${codeSpan(command)}`);
  if (sql) out.push("  - **SQL Command:**", ...renderFence("sql", sql));
  if (config)
    out.push("  - **Configuration:**", ...renderFence(/^\s*[[{]/.test(config) ? "json" : "yaml", config));
  return out;
}

function renderFence(lang: string, content: string): string[] {
  const lines = content.split(/\r\n|\r|\n/);
  const longest = (content.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 2);
  const fence = `    ${"`".repeat(longest + 1)}`;
  return [`${fence}${lang}`, ...lines.map((line) => (line === "" ? "" : `    ${line}`)), fence];
}

function escapeLine(line: string): string {
  const [indent, body] = splitIndent(line);
  if (PREFIX_ESCAPED.test(body)) return `${indent}\\${body}`;
  if (!NUMBER_ESCAPED.test(body)) return line;
  const digits = /^\d+/.exec(body)![0];
  return `${indent}${digits}\\${body.slice(digits.length)}`;
}

/** A multi-line field as lines: blank edges dropped, each line escaped. */
function escapeBlock(text: string): string[] {
  return textBlock(text.split(/\r\n|\r|\n/))
    .split("\n")
    .filter((l, _, all) => all.length > 1 || l !== "")
    .map(escapeLine);
}

/** Action text: `*` and the backslashes before it are escaped, so bold markers can be stripped. */
function escapeInline(text: string): string {
  return text.replace(/\*|\\(?=[*\\])/g, "\\$&");
}

function codeSpan(text: string): string {
  const longest = (text.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 0);
  const fence = "`".repeat(longest + 1);
  const pad = /^`|`$/.test(text) || (/^ .* $/s.test(text) && text.trim() !== "") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const SIMPLE_NAME = /^[A-Za-z0-9_.:/-]+$/;

// A `;` inside a quoted value is written as \u003b, so "; " only ever separates the evidence's parts.
const quote = (text: string) => JSON.stringify(text).replace(/;/g, "\\u003b");

function renderScalar(value: number | string | null): string {
  if (value === null) return "null";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return quote(String(value));
}

function renderEvidence(evidence: Evidence): string {
  const parts = [fold(evidence.source)];
  if (evidence.window) parts.push(`window ${fold(evidence.window.from)} to ${fold(evidence.window.to)}`);
  const numbers = Object.entries(evidence.numbers).map(
    ([name, value]) => `${SIMPLE_NAME.test(name) ? name : quote(name)}=${renderScalar(value)}`,
  );
  if (numbers.length > 0) parts.push(numbers.join(", "));
  return parts.join("; ");
}

/** A key is an identity: only its line breaks change (a code span keeps its spaces). */
const keyText = (key: string) => key.replace(/\r\n|\r|\n/g, " ");

function renderFinding(finding: Finding | undefined, key: string): string[] {
  if (!finding) return [`- ${codeSpan(keyText(key))}`];
  const summary = fold(finding.summary);
  const head = `- severity ${finding.severity}${finding.blocking ? ", blocking" : ""}:`;
  return [
    `${head} ${summary ? `${summary} ` : ""}(${codeSpan(keyText(finding.key))})`,
    `  - evidence: ${renderEvidence(finding.evidence)}`.trimEnd(),
  ];
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const HEADER = [
  { key: "id", expected: "- id: fsar_<uuid>", valid: isFsarId },
  { key: "timestamp", expected: "- timestamp: <ISO-8601 date-time>", valid: isIsoDateTime },
  {
    key: "severity",
    expected: "- severity: <an integer 1-10>",
    valid: (v: string) => parseSeverity(v) !== undefined,
  },
  {
    key: "block_execution",
    expected: "- block_execution: <true|false>",
    valid: (v: string) => /^(?:true|false)$/i.test(v),
  },
  { key: "proposal", expected: "- proposal:", valid: () => true },
] as const;

/**
 * Reads a report in the seed's layout. Refuses what does not fit with StewardError
 * "validation_failed", details { line, expected, found }; never throws anything else.
 */
export function parseFsarMarkdown(text: string): ParsedFsar {
  if (text.length > MAX_REPORT_CHARS) tooLong(text);
  const lines = splitLines(text.replace(/^\uFEFF/, ""));
  let i = skipBlank(lines, 0);
  if (i >= lines.length) fail(1, "# FSAR Proposal Report", undefined, { end: "an empty report" });
  if (lines[i]!.trim() !== "# FSAR Proposal Report") fail(i + 1, "# FSAR Proposal Report", lines[i]);
  const values: string[] = [];
  for (const field of HEADER) {
    i = skipBlank(lines, i + 1);
    const line = lines[i];
    if (line === undefined) fail(lines.length + 1, field.expected, undefined);
    const m = new RegExp(`^\\s*-\\s+${field.key}\\s*:`).exec(line);
    const value = m ? line.slice(m[0].length).trim() : "";
    if (!m || !field.valid(value)) fail(i + 1, field.expected, line);
    values.push(value);
  }
  const [id, timestamp, severity, blockExecution, proposalStart] = values as [
    string,
    string,
    string,
    string,
    string,
  ];
  const first: Item[] = proposalStart ? [{ kind: "line", n: i + 1, text: proposalStart }] : [];
  const { items, end } = scanProposal(lines, i + 1, true);
  if (end >= lines.length) fail(lines.length + 1, "## Risks", undefined);
  const { proposal, findings } = parseProposalItems([...first, ...items]);
  return {
    id,
    timestamp,
    severity: Number(severity),
    block_execution: blockExecution.toLowerCase() === "true",
    proposal,
    findings,
    ...parseLists(lines, end),
  };
}

function skipBlank(lines: string[], from: number): number {
  let i = from;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  return i;
}

function parseLists(lines: string[], risksAt: number): { risks: string[]; mitigations: string[] } {
  const risks: string[] = [];
  let i = risksAt + 1;
  for (; i < lines.length && !/^##\s+mitigations:?$/i.test(lines[i]!.trim()); i++)
    addListLine(risks, lines, i, `"- <risk>" or "## Mitigations"`);
  if (i >= lines.length) fail(lines.length + 1, "## Mitigations", undefined);
  if (risks.length === 0)
    fail(i + 1, `"- <risk>" (at least one, before "## Mitigations")`, lines[i], { quoted: false });
  const mitigations: string[] = [];
  for (let j = i + 1; j < lines.length; j++)
    addListLine(mitigations, lines, j, `"- <mitigation>" or the end of the report`);
  if (mitigations.length === 0) fail(lines.length + 1, "- <mitigation>", undefined);
  const none = (list: string[]) => (list.length === 1 && list[0] === NONE ? [] : list);
  return { risks: none(risks), mitigations: none(mitigations) };
}

function addListLine(items: string[], lines: string[], i: number, expected: string): void {
  const line = lines[i]!;
  if (line.trim() === "") return;
  const bullet = matchBullet(line);
  if (bullet) items.push(bullet.body);
  // An indented line goes on with the bullet above it (a long risk wrapped by its writer).
  else if (/^\s/.test(line) && items.length > 0)
    items[items.length - 1] = `${items.at(-1)} ${line.trim()}`.trim();
  else fail(i + 1, expected, line, { quoted: false });
}

/** Fenced code blocks are read whole, so nothing inside one is taken for a heading or `## Risks`. */
function scanProposal(lines: string[], start: number, stopAtRisks: boolean): { items: Item[]; end: number } {
  const items: Item[] = [];
  let i = start;
  while (i < lines.length) {
    const text = lines[i]!;
    const [indent, body] = splitIndent(text);
    if (stopAtRisks && /^##\s+risks:?$/i.test(text.trim())) break;
    const open = /^(?:`{3,}|~{3,})/.exec(body)?.[0];
    const info = open ? body.slice(open.length) : "";
    if (!open || (open.startsWith("`") && info.includes("`"))) {
      items.push({ kind: "line", n: i + 1, text });
      i++;
      continue;
    }
    let close = i + 1;
    while (close < lines.length && !isClosing(lines[close]!, open)) close++;
    if (close >= lines.length) fail(i + 1, `a closing ${open} for this code block`, text, { quoted: false });
    const content = lines.slice(i + 1, close).map((l) => dedent(l, indent.length));
    const lang = /^\S*/.exec(info.trim())![0].toLowerCase();
    items.push({
      kind: "fence",
      n: i + 1,
      lang,
      content: content.join("\n"),
      raw: lines.slice(i, close + 1),
    });
    i = close + 1;
  }
  return { items, end: i };
}

function isClosing(line: string, open: string): boolean {
  const body = line.trim();
  return body.length >= open.length && body === open[0]!.repeat(body.length);
}

function dedent(line: string, indent: number): string {
  let k = 0;
  while (k < indent && line[k] === " ") k++;
  return line.slice(k);
}

const isHeading = (item: Item): item is Extract<Item, { kind: "line" }> =>
  item.kind === "line" && /^ {0,3}###(?:\s|$)/.test(item.text);

/** The proposal's summary, numbered sections and conclusion, and the findings its sections list. */
function parseProposalItems(items: Item[]): { proposal: Proposal; findings: Finding[] } {
  const blocks: { heading: string; items: Item[] }[] = [{ heading: "", items: [] }];
  for (const item of items) {
    if (isHeading(item)) blocks.push({ heading: item.text, items: [] });
    else blocks.at(-1)!.items.push(item);
  }
  const seen = new Map<string, Finding>();
  const sections: ProposalSection[] = [];
  const conclusion: string[] = [];
  for (const block of blocks.slice(1)) {
    const heading = block.heading.trim().slice(3).trim();
    const numbered = /^(\d{1,9})[.)](?:\s|$)/.exec(heading);
    if (numbered) {
      const title = heading.slice(numbered[0].length).trim();
      sections.push(parseSection(Number(numbered[1]), title, block.items, seen));
    } else {
      // The first unnumbered heading names the conclusion; later ones stay in its text.
      const lines: Item[] = conclusion.length > 0 ? [{ kind: "line", n: 0, text: block.heading }] : [];
      conclusion.push(itemsText([...lines, ...block.items]));
    }
  }
  // "Other findings" holds only findings the renderer found no section for: they are in `findings`.
  const own = sections.filter(
    (s) => !(s.title === OTHER_FINDINGS && s.text === "" && s.actions.length === 0),
  );
  // Its first line follows `self_improvement:`, where no indentation can be told from the spaces.
  const summary = itemsText(stripSelfImprovement(blocks[0]!.items)).trimStart();
  const proposal = { summary, sections: own, conclusion: conclusion.filter((c) => c !== "").join("\n\n") };
  return { proposal, findings: [...seen.values()] };
}

function stripSelfImprovement(items: Item[]): Item[] {
  const first = items.findIndex((it) => it.kind === "fence" || it.text.trim() !== "");
  const item = items[first];
  if (item?.kind !== "line") return items;
  const m = /^\s*self_improvement\s*:/i.exec(item.text);
  if (!m) return items;
  const copy = [...items];
  copy[first] = { ...item, text: item.text.slice(m[0].length).trimStart() };
  return copy;
}

/** A proposal given as text (a JSON report's `proposal` string): the same rules as in Markdown. */
export function parseProposalText(text: string): { proposal: Proposal; findings: Finding[] } {
  return parseProposalItems(scanProposal(splitLines(text), 0, false).items);
}
