import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { GateChange } from "../tasks/execution-gate.ts";
import { overriddenKeys } from "../tasks/execution-gate.ts";
import { type Actor, stewardActor } from "../tasks/operator-actions.ts";
import { statsWindow } from "../telemetry/stats-window.ts";
import { errorsAssessor } from "./assess-errors.ts";
import { indicatorsAssessor } from "./assess-indicators.ts";
import { moneyAssessor } from "./assess-money.ts";
import { performanceAssessor } from "./assess-performance.ts";
import { schedulingAssessor } from "./assess-scheduling.ts";
import { schemaAssessor } from "./assess-schema.ts";
import { type AssessmentWindow, type Assessor, type AssessorDeps, finding } from "./assessor.ts";
import { flushDatabaseErrors } from "./database-error-counts.ts";
import { explainConsequences } from "./explained-findings.ts";
import type { FsarConfig } from "./fsar-config.ts";
import { loopFacts } from "./fsar-loop.ts";
import type { Finding, FsarReport } from "./fsar-report.ts";
import { modelNarrative } from "./narrative.ts";
import { buildProposal, risksOf } from "./proposal.ts";
import { closingFindings, storeReport } from "./report-store.ts";
import { graded, reportSeverity } from "./rubric.ts";

/** The assessors of every report, in the order their sections appear. */
export const defaultAssessors: Assessor[] = [
  schemaAssessor,
  errorsAssessor,
  performanceAssessor,
  schedulingAssessor,
  moneyAssessor,
  indicatorsAssessor,
];

export interface FsarDeps extends AssessorDeps {
  fsar: FsarConfig;
  logger?: Logger;
}

/**
 * Assesses the system now and writes the report, without storing it: every assessor over the
 * configured window (one that fails becomes a finding of its own, and the others still run), the
 * rubric applied, the loop's facts (earlier findings resolved, fixes unverified), overrides
 * marked, then the proposal, risks and mitigations from the findings alone.
 */
export async function assessNow(
  deps: FsarDeps,
  options: { trigger?: string; assessors?: Assessor[] } = {},
): Promise<FsarReport> {
  const now = deps.clock.now();
  await flushDatabaseErrors(deps.db).catch((error) =>
    deps.logger?.warn({ err: error }, "database errors could not be written before the report"),
  );
  const range = statsWindow(deps.fsar.window, undefined, now);
  const window: AssessmentWindow = { ...range, label: deps.fsar.window };
  const failedAssessors: { assessor: string; error: string }[] = [];
  const found: Finding[] = [];
  for (const assessor of options.assessors ?? defaultAssessors) {
    try {
      found.push(...(await assessor.assess(deps, window)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failedAssessors.push({ assessor: assessor.name, error: message.slice(0, 500) });
      found.push(assessorFailed(assessor.name, message));
    }
  }
  explainConsequences(found);
  const facts = await loopFacts(deps.db, "steward", found, now, now.getTime() - range.from.getTime()).catch(
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      failedAssessors.push({ assessor: "loop", error: message.slice(0, 500) });
      found.push(assessorFailed("loop", message));
      return { resolved: [], unverified: [], loop: emptyLoop };
    },
  );
  const overridden = await overriddenKeys(deps.db, "steward");
  const findings = [...found, ...facts.unverified]
    .map((f) => graded(f, deps.fsar.rubric))
    .map((f) => (f.blocking && overridden.has(f.key) ? { ...f, overridden: true } : f))
    .sort((a, b) => b.severity - a.severity || a.key.localeCompare(b.key));
  const blocking = closingFindings({ findings });
  const { risks, mitigations } = risksOf(findings, window.label);
  let proposal = buildProposal(findings, { windowLabel: window.label, blocking });
  let narrative: FsarReport["narrative"] = { by: "steward" };
  const { model: narrator, timeoutMs } = deps.fsar.narrative;
  if (narrator !== null) {
    ({ proposal, narrative } = await modelNarrative(
      deps,
      { model: narrator, timeoutMs },
      findings,
      proposal,
      window.label,
    ));
    if ("rejected" in narrative)
      deps.logger?.warn(
        { narrative: narrative.rejected },
        "the model's narrative was refused: Steward's text is kept",
      );
  }
  return {
    id: `fsar_${randomUUID()}`,
    timestamp: now.toISOString(),
    severity: reportSeverity(findings),
    block_execution: blocking.length > 0,
    source: "steward",
    trigger: options.trigger ?? "demand",
    findings,
    proposal,
    risks,
    mitigations,
    resolved: facts.resolved,
    loop: facts.loop,
    failedAssessors,
    narrative,
  };
}

const emptyLoop = { planned: 0, succeeded: 0, settling: 0, verified: 0, unverified: 0, byModel: [] };

function assessorFailed(name: string, message: string): Finding {
  return finding("fsar.assessor_failed", {
    scope: name,
    summary: `The ${name} assessor failed (${message.slice(0, 200)}): what it measures is not seen in this report.`,
    evidence: { numbers: { assessor: name, error: message.slice(0, 500) }, source: `the ${name} assessor` },
    remedy: [
      {
        text: `Find why the ${name} assessor failed (the message above; the workers' log has the stack).`,
        command: "steward doctor",
      },
    ],
    risk: `Problems the ${name} assessor would find go unreported while it fails.`,
    mitigation: "Treat a failing assessor as a finding of its own, fixed before the next report.",
  });
}

/** Assesses, stores the report and sets the gate from it: what `steward fsar run` does. */
export async function writeReport(
  deps: FsarDeps,
  options: { trigger?: string; assessors?: Assessor[]; actor?: Actor } = {},
): Promise<{ report: FsarReport; gate: GateChange }> {
  const report = await assessNow(deps, options);
  const gate = await storeReport(deps.db, report, options.actor ?? stewardActor);
  if (gate.closed.length > 0)
    deps.logger?.warn({ report: report.id, closed: gate.closed }, "an FSAR report closed the execution gate");
  if (gate.opened.length > 0)
    deps.logger?.info(
      { report: report.id, opened: gate.opened },
      "the execution gate opened: no blocking finding left",
    );
  return { report, gate };
}
