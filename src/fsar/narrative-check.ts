import type { Finding, Proposal } from "./fsar-report.ts";

/**
 * The check of a model's narrative (narrative.ts): every number it writes must be among the
 * facts (the findings' evidence and Steward's own texts), every finding it names must exist, and
 * its sections must be Steward's, each still speaking of its findings. Pure.
 */
/** What the model is asked to answer. */
export interface NarrativeCandidate {
  summary: string;
  sections: { number: number; text: string }[];
  conclusion: string;
}

/** What the narrative must stay true to: the findings and Steward's own proposal. */
export interface NarrativeFacts {
  findings: Finding[];
  proposal: Proposal;
  windowLabel?: string;
}

export type NarrativeCheck = { ok: true } | { ok: false; reason: string };

/** A number as written: its value, its unit (canonical), and the text it was read from. */
interface Quantity {
  value: number;
  unit: string | null;
  written: string;
  index: number;
}

/** A number of the facts: from a text (with the unit written), from the evidence, or a count. */
interface FactQuantity {
  value: number;
  unit: string | null;
  kind: "text" | "evidence" | "count";
}

/**
 * A number with its separators, fraction, currency and unit. Not a digit inside a word or an
 * identifier (`fsar_3b0c`, `gpt-4o`, `v2`), nor an address's parts (`127.0.0.1`).
 */
const quantityPattern =
  /(?<![\w.]|[A-Za-z]-)([$€£])?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s?(%|per ?cent\b|×|x\b|times\b|ms\b|milliseconds?\b|seconds?\b|secs?\b|s\b|minutes?\b|mins?\b|m\b|hours?\b|hrs?\b|h\b|days?\b|d\b|USD\b|EUR\b|GBP\b))?(?!\.?\w)/g;

const unitAliases: [RegExp, string][] = [
  [/^(%|per ?cent)$/, "%"],
  [/^(×|x|times)$/, "×"],
  [/^(ms|milliseconds?)$/, "ms"],
  [/^(s|secs?|seconds?)$/, "s"],
  [/^(m|mins?|minutes?)$/, "min"],
  [/^(h|hrs?|hours?)$/, "h"],
  [/^(d|days?)$/, "d"],
  [/^(\$|USD)$/, "$"],
  [/^(€|EUR)$/, "€"],
  [/^(£|GBP)$/, "£"],
];

function canonicalUnit(unit: string | undefined): string | null {
  if (unit === undefined) return null;
  return unitAliases.find(([pattern]) => pattern.test(unit))?.[1] ?? unit;
}

function quantitiesOf(text: string): Quantity[] {
  const out: Quantity[] = [];
  for (const m of text.matchAll(quantityPattern)) {
    const [written, currency, whole, fraction, unit] = m;
    out.push({
      value: Number(whole!.replace(/,/g, "") + (fraction ?? "")),
      unit: canonicalUnit(currency ?? unit),
      written: written.trim(),
      index: m.index,
    });
  }
  return out;
}

function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Whether a number written by the model is one of the facts': the same value, with the same unit
 * as a text writes it (or no unit, or a unit against an evidence value, which has none written),
 * and a percentage against a share (41 % ↔ 0.41). Nothing is rounded.
 */
function isFact(q: Quantity, facts: FactQuantity[]): boolean {
  return facts.some((f) => {
    if (same(f.value, q.value) && (f.kind !== "text" || f.unit === q.unit || q.unit === null)) return true;
    if (q.unit === "%" && f.unit === null && f.kind !== "count" && same(f.value * 100, q.value)) return true;
    if (q.unit === null && f.unit === "%" && same(f.value, q.value * 100)) return true;
    return false;
  });
}

/** Something shaped like a finding code or a dotted name (`schema.missing_object`, `execution_tasks.ai_model`). */
const dottedPattern = /(?<![\w./-])[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+/g;

function dottedOf(text: string): string[] {
  return [...text.matchAll(dottedPattern)].map((m) => m[0]).filter((t) => !isAbbreviation(t));
}

/** "e.g", "i.e": every part one letter. */
function isAbbreviation(token: string): boolean {
  return token.split(".").every((part) => part.length === 1);
}

/** Everything the facts say, as text: the findings and Steward's whole proposal. */
function factTexts(facts: NarrativeFacts): string[] {
  const { findings, proposal } = facts;
  const texts = [proposal.summary, proposal.conclusion, facts.windowLabel ?? ""];
  for (const s of proposal.sections) {
    texts.push(s.title, s.text, ...s.findings);
    for (const a of s.actions) texts.push(a.text, a.command ?? "", a.sql ?? "", a.config ?? "");
  }
  for (const f of findings) {
    texts.push(f.key, f.code, f.summary, f.evidence.source, f.risk ?? "", f.mitigation ?? "", ...f.kinds);
    if (f.evidence.window) texts.push(f.evidence.window.from, f.evidence.window.to);
    for (const [name, value] of Object.entries(f.evidence.numbers))
      texts.push(name, typeof value === "string" ? value : "");
    for (const a of f.remedy ?? []) texts.push(a.text, a.command ?? "", a.sql ?? "", a.config ?? "");
  }
  return texts.filter((t) => t !== "");
}

function factQuantities(facts: NarrativeFacts): FactQuantity[] {
  const out: FactQuantity[] = [];
  for (const text of factTexts(facts))
    for (const q of quantitiesOf(text)) out.push({ value: q.value, unit: q.unit, kind: "text" });
  for (const f of facts.findings)
    for (const value of Object.values(f.evidence.numbers))
      if (typeof value === "number" && Number.isFinite(value))
        out.push({ value, unit: null, kind: "evidence" });
  const counts = [
    facts.findings.length,
    facts.proposal.sections.length,
    ...facts.findings.map((f) => f.severity),
    ...facts.proposal.sections.flatMap((s) => [s.number, s.findings.length, s.actions.length]),
  ];
  for (const value of counts) out.push({ value, unit: null, kind: "count" });
  return out;
}

/** What a section's text must still mention of its findings: a subject, or one of their numbers. */
function anchorsOf(findings: Finding[]): { words: string[]; numbers: FactQuantity[] } {
  const words: string[] = [];
  const numbers: FactQuantity[] = [];
  for (const f of findings) {
    words.push(f.key, f.code, ...dottedOf(f.summary));
    words.push(...f.key.slice(f.code.length + 1).split(":"));
    for (const value of Object.values(f.evidence.numbers)) {
      if (typeof value === "string") words.push(value);
      else if (typeof value === "number") numbers.push({ value, unit: null, kind: "evidence" });
    }
    for (const q of quantitiesOf(f.summary)) numbers.push({ value: q.value, unit: q.unit, kind: "text" });
  }
  return { words: [...new Set(words.filter((w) => w.length >= 3 && w !== "*"))], numbers };
}

/** The first number or finding in `text` that the facts do not have, with where it starts. */
function firstInvention(
  text: string,
  known: { quantities: FactQuantity[]; dotted: Set<string>; keys: string[] },
): { index: number; reason: string } | undefined {
  const offences: { index: number; reason: string }[] = [];
  for (const q of quantitiesOf(text))
    if (!isFact(q, known.quantities))
      offences.push({ index: q.index, reason: `changes a number: ${q.written} is not among the facts` });
  let skipUntil = 0;
  for (const m of text.matchAll(dottedPattern)) {
    const index = m.index;
    if (index < skipUntil || isAbbreviation(m[0])) continue;
    const key = known.keys
      .filter((k) => text.startsWith(k, index) && !/^(?:[\w:-]|\.\w)/.test(text.slice(index + k.length)))
      .sort((a, b) => b.length - a.length)[0];
    if (key !== undefined) {
      skipUntil = index + key.length;
      continue;
    }
    const after = index + m[0].length;
    if (text[after] === ":" && /[^\s]/.test(text[after + 1] ?? " ")) {
      const written = /^[^\s`'"()<>,;]+/.exec(text.slice(index))![0];
      offences.push({ index, reason: `names a finding that does not exist: ${written}` });
      skipUntil = index + written.length;
    } else if (!known.dotted.has(m[0]))
      offences.push({ index, reason: `names a finding that does not exist: ${m[0]}` });
  }
  return offences.sort((a, b) => a.index - b.index)[0];
}

/**
 * Whether a model's narrative is true to the facts (pure). Refused when: the sections are not
 * exactly Steward's (one text for each section number, no other); the summary, a section, or a
 * conclusion Steward wrote, is left empty; a number is not among the facts' (the value as written,
 * separators aside, with its unit; a percentage matches a share, 41 % ↔ 0.41; nothing rounded);
 * something shaped like a finding code or key (`schema.dropped_table`,
 * `schema.missing_object:x.y`) is not one the facts name; a section's text mentions none of its
 * findings' subjects or numbers. The reason names the first offence.
 */
export function checkNarrative(candidate: NarrativeCandidate, facts: NarrativeFacts): NarrativeCheck {
  const fail = (reason: string): NarrativeCheck => ({ ok: false, reason });
  const expected = facts.proposal.sections.map((s) => s.number);
  const given = candidate.sections.map((s) => s.number);
  const twice = given.find((n, i) => given.indexOf(n) !== i);
  if (twice !== undefined) return fail(`writes section ${twice} twice`);
  const dropped = expected.find((n) => !given.includes(n));
  if (dropped !== undefined) return fail(`drops section ${dropped}`);
  const added = given.find((n) => !expected.includes(n));
  if (added !== undefined) return fail(`adds a section ${added}, which Steward's proposal does not have`);
  if (candidate.summary.trim() === "") return fail("leaves the summary empty");
  const texts = new Map(candidate.sections.map((s) => [s.number, s.text]));
  for (const n of expected) if (texts.get(n)!.trim() === "") return fail(`leaves section ${n} empty`);
  if (facts.proposal.conclusion.trim() !== "" && candidate.conclusion.trim() === "")
    return fail("leaves the conclusion empty");

  const all = factTexts(facts);
  const known = {
    quantities: factQuantities(facts),
    dotted: new Set([...facts.findings.map((f) => f.code), ...all.flatMap(dottedOf)]),
    keys: [...new Set(facts.findings.map((f) => f.key))],
  };
  const parts: [where: string, text: string][] = [
    ["the summary", candidate.summary],
    ...expected.map((n): [string, string] => [`section ${n}`, texts.get(n)!]),
    ["the conclusion", candidate.conclusion],
  ];
  for (const [where, text] of parts) {
    const invention = firstInvention(text, known);
    if (invention) return fail(`${invention.reason} (${where})`);
  }

  for (const section of facts.proposal.sections) {
    const mine = facts.findings.filter((f) => section.findings.includes(f.key));
    if (mine.length === 0) continue;
    const text = texts.get(section.number)!;
    const { words, numbers } = anchorsOf(mine);
    const lower = text.toLowerCase();
    const mentioned =
      words.some((w) => lower.includes(w.toLowerCase())) ||
      quantitiesOf(text).some((q) => isFact(q, numbers));
    if (!mentioned)
      return fail(
        `drops the findings of section ${section.number}: its text names none of their subjects or numbers (${section.findings.join(", ")})`,
      );
  }
  return { ok: true };
}
