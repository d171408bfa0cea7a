/**
 * The shapes of an FSAR report (Findings, Severity, Assessment, Risks): what assessors find, what
 * a report holds, and what the Markdown of the seed's layout carries. docs/fsar.md.
 */

/** The assessors Steward runs; an imported report's findings may name others. */
export const assessorNames = [
  "schema",
  "errors",
  "performance",
  "scheduling",
  "money",
  "indicators",
] as const;
export type AssessorName = (typeof assessorNames)[number];

/** What a finding rests on: the numbers, the window they were measured over, and where they came from. */
export interface Evidence {
  /** The measured values, by name ("avgDurationMs": 412000, "tasks": 38, "target": 120000). */
  numbers: Record<string, number | string | null>;
  /** The window measured (ISO-8601), absent for a state read now (the schema's drift). */
  window?: { from: string; to: string };
  /** The query, table or module the numbers came from ("task_rollups, stage 'Implement Ideas'"). */
  source: string;
}

/** One measured problem. */
export interface Finding {
  /** Which assessor found it ("schema", …; "fsar" for an assessor that failed; an imported report's own). */
  assessor: string;
  /** What kind of problem ("schema.drift", "performance.stage_over_target"); the rubric is keyed by it. */
  code: string;
  /**
   * Its identity across reports: the code and the scope it concerns
   * ("performance.stage_over_target:Implement Ideas:avgDurationMs"). A later report that finds
   * the same key finds the same problem still open.
   */
  key: string;
  /** 1 (a note) to 10 (the system is losing data or cannot work), from the rubric (docs/fsar.md). */
  severity: number;
  /** Whether it closes the execution gate (the rubric's blocking rules). */
  blocking: boolean;
  /** One sentence with the numbers. */
  summary: string;
  evidence: Evidence;
  /** Task kinds it concerns: a blocking finding closes the gate for these; empty for all of them. */
  kinds: string[];
  /** What would mend it, as the assessor knows it (the proposal's actions for this finding). */
  remedy?: ProposalAction[];
  /** The risk it carries, and how to lessen it (the report's Risks and Mitigations). */
  risk?: string;
  mitigation?: string;
  /** A blocking finding an operator let through (docs/fsar.md, "The gate"): it closes nothing. */
  overridden?: boolean;
}

/** One concrete step of a proposal section. */
export interface ProposalAction {
  /** What to do, in words ("Add the missing column `ai_model` to `execution_tasks`"). */
  text: string;
  /** A command to run, when there is one (`steward doctor --fix`). */
  command?: string;
  /** SQL to run, when there is one. */
  sql?: string;
  /** A configuration change, when there is one (JSON or YAML text). */
  config?: string;
}

/** A numbered section of the `self_improvement:` proposal: `### 1. Title`. */
export interface ProposalSection {
  number: number;
  title: string;
  /** The paragraph under the title: what was found and why it matters. */
  text: string;
  /** Keys of the findings this section addresses. */
  findings: string[];
  actions: ProposalAction[];
}

export interface Proposal {
  /** The text after `self_improvement:` and before the first section. */
  summary: string;
  sections: ProposalSection[];
  /** The closing words (`### Conclusion`), if any. */
  conclusion: string;
}

/** A finding of an earlier report that this one did not find again. */
export interface ResolvedFinding {
  key: string;
  code: string;
  summary: string;
  /** When it was first found, and how long it stayed open (ms). */
  firstSeenAt: string;
  openMs: number;
  /** True when a self-improvement task addressed it (and succeeded) before it went away. */
  fixedByTask: boolean;
}

/** Where a report came from. */
export type ReportSource = "steward" | `import:${string}`;

export interface FsarReport {
  /** `fsar_<uuid>`. */
  id: string;
  /** ISO-8601. */
  timestamp: string;
  /** The highest finding's severity; 1 when nothing was found. */
  severity: number;
  block_execution: boolean;
  source: ReportSource;
  /** Why it was written: "schedule", "demand", "trigger: …", "import". */
  trigger: string;
  findings: Finding[];
  proposal: Proposal;
  risks: string[];
  mitigations: string[];
  /** Findings of the previous report from the same source that this one no longer finds. */
  resolved: ResolvedFinding[];
  /** The self-improvement loop: the tasks planned from earlier reports, and whether their findings went. */
  loop: LoopSummary;
  /** Assessors that failed, each with its error (each is also a finding). */
  failedAssessors: { assessor: string; error: string }[];
  /** Which narrative the proposal's words are: Steward's own text, or a model's that was checked. */
  narrative:
    | { by: "steward" }
    | { by: "model"; model: string }
    /** A model's narrative that was refused (its call failed, or it changed a fact): Steward's text is kept. */
    | { by: "steward"; rejected: { model: string; reason: string } };
}

/** How the self-improvement tasks of a source's earlier reports fared, per model that ran them. */
export interface LoopSummary {
  /** Tasks planned from findings, and how many of them succeeded. */
  planned: number;
  succeeded: number;
  /** Succeeded less than a window ago: not judged yet (the window still measures the time before). */
  settling: number;
  /** Succeeded, and their finding was no longer found: a fix the measurements confirm. */
  verified: number;
  /** Succeeded, yet their finding is still found: trust inflation in the loop itself. */
  unverified: number;
  byModel: { model: string; succeeded: number; verified: number; unverified: number }[];
}
