import type { Clock } from "../clock.ts";
import type { Database } from "../db/database.ts";
import type { ExpectedSchemaCache } from "../doctor/expected-schema.ts";
import type { Migration } from "../migrate/migration-files.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { LedgerMode } from "../money/ledger.ts";
import type { MoneyConfig } from "../money/money-config.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";
import type { StatsWindow } from "../telemetry/stats-window.ts";
import type { Target } from "../telemetry/telemetry-config.ts";
import type { Evidence, Finding, ProposalAction } from "./fsar-report.ts";
import { type FindingCode, ruleOf } from "./rubric.ts";

/** What assessors read: the database, the clock, and the parts of the configuration they judge by. */
export interface AssessorDeps {
  db: Database;
  clock: Clock;
  migrations: Migration[];
  expectedSchema: ExpectedSchemaCache;
  models: ModelRegistry;
  kinds: TaskKindRegistry;
  targets: Target[];
  money: MoneyConfig;
  /** Which Stripe events the money counts: live, test or all (stripe.testEvents). */
  ledgerMode: LedgerMode;
}

/** One assessment's window: what "recently" means for every assessor of a report. */
export interface AssessmentWindow extends StatsWindow {
  /** In words: "1h". */
  label: string;
}

/** One small module: measurements in, findings out, each with its evidence. */
export interface Assessor {
  name: string;
  assess(deps: AssessorDeps, window: AssessmentWindow): Promise<Finding[]>;
}

/**
 * A finding of a known code: its severity the assessor's grade (or the rubric's default), its
 * blocking the rubric's. The key is the code and its scope, so that the same problem found again
 * is the same finding.
 */
export function finding(
  code: FindingCode,
  parts: {
    scope?: string;
    severity?: number;
    summary: string;
    evidence: Evidence;
    kinds?: string[];
    blocking?: boolean;
    remedy?: ProposalAction[];
    risk?: string;
    mitigation?: string;
  },
): Finding {
  const rule = ruleOf(code);
  return {
    assessor: code.slice(0, code.indexOf(".")),
    code,
    key: parts.scope === undefined ? code : `${code}:${parts.scope}`,
    severity: parts.severity ?? rule.severity,
    blocking: parts.blocking ?? rule.blocking,
    summary: parts.summary,
    evidence: parts.evidence,
    kinds: parts.kinds ?? [],
    ...(parts.remedy === undefined ? {} : { remedy: parts.remedy }),
    ...(parts.risk === undefined ? {} : { risk: parts.risk }),
    ...(parts.mitigation === undefined ? {} : { mitigation: parts.mitigation }),
  };
}

/** The window as evidence carries it. */
export function windowOf(window: { from: Date; to: Date }): { from: string; to: string } {
  return { from: window.from.toISOString(), to: window.to.toISOString() };
}

/** "42.5 %" from 0.425. */
export function percent(share: number): string {
  return `${Number((share * 100).toFixed(share < 0.01 ? 2 : 1))} %`;
}
