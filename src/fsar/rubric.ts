import type { Finding } from "./fsar-report.ts";

/**
 * The severity rubric (docs/fsar.md): every code a finding may carry, the severity its assessor
 * grades from (the ladders beside each assessor raise or lower it with the numbers), and whether
 * it blocks execution. A report's severity is its highest finding's; it blocks when one of its
 * findings blocks. The configuration's `fsar.rubric` replaces either, per code.
 *
 * Blocking is kept for what running more work makes worse: a schema that breaks writes, a risk
 * of losing data, money spent past a budget. Slowness, failures a retry absorbs, money signals
 * and trend changes are reported, not blocking: stopping work would not mend them.
 */
export interface RubricRule {
  severity: number;
  blocking: boolean;
  /** What the code means, for the rubric's table. */
  means: string;
}

export const rubric = {
  "schema.missing_object": {
    severity: 9,
    blocking: true,
    means:
      "a table, column, function or trigger the applied migrations create is missing: statements that use it fail",
  },
  "schema.drift": {
    severity: 5,
    blocking: false,
    means: "the schema differs from what the migrations produce in a way that does not break writes",
  },
  "schema.pending_migrations": {
    severity: 4,
    blocking: false,
    means: "migrations shipped with this version are not applied",
  },
  "schema.database_errors": {
    severity: 5,
    blocking: false,
    means:
      "a burst of database errors of one SQLSTATE (8 when the drift explains it; blocking for disk, I/O and internal errors, a risk of losing data)",
  },
  "errors.failing_fingerprint": {
    severity: 3,
    blocking: false,
    means:
      "failed attempts sharing one error (2 under 1 % of attempts, 3 from 1 %, 5 from 5 %, 6 from 20 %; one more when it doubled)",
  },
  "performance.over_target": {
    severity: 4,
    blocking: false,
    means: "a stage's or kind's measure beyond its target (6 from twice the target, 7 from four times)",
  },
  "performance.queue_wait": {
    severity: 4,
    blocking: false,
    means: "tasks wait long to start (p95 queue wait above 5 minutes; 6 above 30)",
  },
  "performance.model_saturation": {
    severity: 4,
    blocking: false,
    means: "a model is at its concurrency limit while tasks wait for models",
  },
  "scheduling.failing_model": {
    severity: 5,
    blocking: false,
    means: "a model failing many of its calls still receives work (7 from 30 % failed, 8 from 50 %)",
  },
  "scheduling.deadline_misses": {
    severity: 4,
    blocking: false,
    means: "tasks finishing after their deadline (6 from a fifth of those with one)",
  },
  "scheduling.cooldown_storm": {
    severity: 5,
    blocking: false,
    means: "half the models or more cooling down after rate limits or server errors",
  },
  "scheduling.dead_tasks": {
    severity: 4,
    blocking: false,
    means: "tasks failing for good (5 from a tenth of the tasks that ended)",
  },
  "scheduling.no_model": {
    severity: 5,
    blocking: false,
    means: "tasks waiting because no model can take them (limits, cooldowns, budgets, capabilities)",
  },
  "money.budget_exceeded": {
    severity: 8,
    blocking: true,
    means: "AI spend past a configured budget: the kinds that spend on it are stopped",
  },
  "money.payment_failures": {
    severity: 5,
    blocking: false,
    means: "a share of payment attempts failing (from 15 %; 7 from 30 %)",
  },
  "money.refund_rate": {
    severity: 5,
    blocking: false,
    means: "refunds above a tenth of revenue",
  },
  "money.dispute_rate": {
    severity: 7,
    blocking: false,
    means: "disputes above 0.75 % of charges, where card networks start watching an account",
  },
  "money.checkout_conversion": {
    severity: 5,
    blocking: false,
    means: "checkout conversion fell to half or less of the window before",
  },
  "money.unattributed_revenue": {
    severity: 3,
    blocking: false,
    means: "revenue no idea or stream claims: ROI cannot be seen (5 from a fifth, 6 from half)",
  },
  "money.negative_roi": {
    severity: 4,
    blocking: false,
    means: "an idea whose costs exceed its revenue",
  },
  "indicators.alert": {
    severity: 5,
    blocking: false,
    means: "a leading indicator changed for the worse (an open alert on trend change)",
  },
  "indicators.slow_degradation": {
    severity: 4,
    blocking: false,
    means: "a leading indicator drifting for the worse by a trend test, without a step",
  },
  "indicators.trust_inflation": {
    severity: 5,
    blocking: false,
    means: "answers reported done that were not right (6 from a fifth of them)",
  },
  "fsar.assessor_failed": {
    severity: 6,
    blocking: false,
    means: "an assessor could not run: the report cannot see what it measures",
  },
  "fsar.unverified_fix": {
    severity: 5,
    blocking: false,
    means: "a self-improvement task for a finding succeeded, yet the finding is still found",
  },
} satisfies Record<string, RubricRule>;

export type FindingCode = keyof typeof rubric;
export const findingCodes = Object.keys(rubric) as FindingCode[];

/** Per code, the configuration's replacements. */
export type RubricOverrides = Record<string, { severity?: number; blocking?: boolean }>;

/** The rule of a code, with the configuration's replacements applied. */
export function ruleOf(code: FindingCode, overrides: RubricOverrides = {}): RubricRule {
  const base: RubricRule = rubric[code];
  const mine = overrides[code] ?? {};
  return { ...base, severity: mine.severity ?? base.severity, blocking: mine.blocking ?? base.blocking };
}

/**
 * A finding graded: the severity its assessor computed (or the code's default), replaced by the
 * configuration's when it names the code; blocking by the rule.
 */
export function graded(finding: Finding, overrides: RubricOverrides): Finding {
  const code = finding.code as FindingCode;
  if (!(code in rubric)) return finding;
  const mine = overrides[code] ?? {};
  return {
    ...finding,
    severity: clampSeverity(mine.severity ?? finding.severity),
    blocking: mine.blocking ?? finding.blocking,
  };
}

export function clampSeverity(severity: number): number {
  return Math.min(10, Math.max(1, Math.round(severity)));
}

/** A report's severity: its highest finding's, 1 when it found nothing. */
export function reportSeverity(findings: Finding[]): number {
  return findings.reduce((max, f) => Math.max(max, f.severity), 1);
}
