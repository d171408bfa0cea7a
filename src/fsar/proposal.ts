import type { Finding, Proposal, ProposalAction, ProposalSection } from "./fsar-report.ts";

/** The proposal's sections, in this order, each gathering one assessor's findings. */
const sectionTitles: [assessor: string, title: string][] = [
  ["schema", "Schema and database errors"],
  ["errors", "Recurring errors"],
  ["performance", "Performance against targets"],
  ["scheduling", "Scheduling and models"],
  ["money", "Monetization flows and ROI visibility"],
  ["indicators", "Leading indicators"],
  ["fsar", "The assessment itself"],
];

/**
 * The `self_improvement:` proposal, written from the findings alone: one numbered section per
 * assessor that found something, its paragraph the findings' numbers, its actions their remedies
 * (the same step asked by two findings listed once). Deterministic: the same findings give the
 * same text.
 */
export function buildProposal(
  findings: Finding[],
  context: { windowLabel: string; blocking: Finding[] },
): Proposal {
  const sections: ProposalSection[] = [];
  const assessors = [...sectionTitles.map(([a]) => a), ...new Set(findings.map((f) => f.assessor))];
  for (const assessor of [...new Set(assessors)]) {
    const mine = findings.filter((f) => f.assessor === assessor);
    if (mine.length === 0) continue;
    const title = sectionTitles.find(([a]) => a === assessor)?.[1] ?? `Findings of ${assessor}`;
    sections.push({
      number: sections.length + 1,
      title,
      text: mine.map((f) => f.summary).join(" "),
      findings: mine.map((f) => f.key),
      actions: actionsOf(mine),
    });
  }
  return { summary: summaryOf(findings, context), sections, conclusion: conclusionOf(findings) };
}

function actionsOf(findings: Finding[]): ProposalAction[] {
  const seen = new Set<string>();
  const out: ProposalAction[] = [];
  for (const f of findings)
    for (const action of f.remedy ?? []) {
      const id = JSON.stringify(action);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(action);
    }
  return out;
}

function summaryOf(findings: Finding[], context: { windowLabel: string; blocking: Finding[] }): string {
  const notable = findings.filter((f) => f.severity > 2);
  if (notable.length === 0)
    return `Over the last ${context.windowLabel} every assessor ran and nothing was found above the notes' severity (2)${
      findings.length > 0 ? `; ${findings.length} note${findings.length === 1 ? "" : "s"} below` : ""
    }. No change is proposed.`;
  const top = Math.max(...findings.map((f) => f.severity));
  const blocking =
    context.blocking.length > 0
      ? ` Execution is blocked${
          context.blocking.some((f) => f.kinds.length === 0)
            ? ""
            : ` for ${[...new Set(context.blocking.flatMap((f) => f.kinds))].join(", ")}`
        } until ${context.blocking.length === 1 ? "this finding is" : "these findings are"} mended: ${context.blocking
          .map((f) => f.summary.replace(/\.$/, ""))
          .join("; ")}.`
      : "";
  return `Over the last ${context.windowLabel}, ${findings.length} finding${findings.length === 1 ? "" : "s"}, the highest of severity ${top}. The actions below address them in order of the sections; each names the finding it answers.${blocking}`;
}

function conclusionOf(findings: Finding[]): string {
  if (findings.length === 0) return "";
  return "Each action becomes a self-improvement task when the report is planned (`steward fsar plan <id> --enqueue`); the next report checks whether its finding is gone, and counts a fix whose finding stays as unverified.";
}

/** Risks and mitigations from the findings, the most severe first, each said once. */
export function risksOf(
  findings: Finding[],
  windowLabel: string,
): { risks: string[]; mitigations: string[] } {
  const ordered = [...findings].sort((a, b) => b.severity - a.severity);
  const risks = unique(ordered.flatMap((f) => (f.risk ? [f.risk] : []))).slice(0, 8);
  const mitigations = unique(ordered.flatMap((f) => (f.mitigation ? [f.mitigation] : []))).slice(0, 8);
  return {
    risks:
      risks.length > 0
        ? risks
        : [`None measured: every assessor ran over the last ${windowLabel} and none found a risk to name.`],
    mitigations:
      mitigations.length > 0
        ? mitigations
        : ["Keep the scheduled reports running: a report whose assessor fails says so as a finding."],
  };
}

function unique(texts: string[]): string[] {
  return [...new Set(texts)];
}
