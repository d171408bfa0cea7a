import type { Session } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import type { GateChange } from "../tasks/execution-gate.ts";
import { overriddenKeys } from "../tasks/execution-gate.ts";
import type { Actor } from "../tasks/operator-actions.ts";
import { parseFsarText } from "./fsar-json.ts";
import type { Finding, FsarReport } from "./fsar-report.ts";
import { storeReport } from "./report-store.ts";

/** A source's name: what `--source` may say (it becomes part of the gate's cause). */
const sourceName = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

/**
 * A report written by another system (an AI agent), in the seed's Markdown or as JSON, stored
 * beside Steward's own under `import:<source>`. Its `block_execution: true` closes the gate like
 * Steward's own: for the kinds its blocking findings name, or for every kind when it names none
 * (then one finding, `import.block_execution`, stands for the report's own flag). A later report
 * of the same source that does not block opens it again. A report that does not parse is refused
 * whole, naming the line, and stores nothing.
 */
export async function importReport(
  db: Session,
  text: string,
  options: { source: string; actor: Actor },
): Promise<{ report: FsarReport; gate: GateChange; format: "markdown" | "json" }> {
  if (!sourceName.test(options.source))
    throw new StewardError(
      "validation_failed",
      `The source "${options.source.slice(0, 80)}" is not a name: use letters, digits, '.', '_' or '-' (at most 64), e.g. "review-agent".`,
      { details: { field: "source", expected: "a name of letters, digits, '.', '_' or '-'" } },
    );
  const parsed = parseFsarText(text);
  const source = `import:${options.source}` as const;
  const overridden = await overriddenKeys(db, source);
  const findings: Finding[] = parsed.findings.map((f) => ({
    ...f,
    blocking: parsed.block_execution && f.blocking,
    ...(parsed.block_execution && f.blocking && overridden.has(f.key) ? { overridden: true } : {}),
  }));
  if (parsed.block_execution && !findings.some((f) => f.blocking)) {
    const key = "import.block_execution";
    findings.push({
      assessor: "import",
      code: key,
      key,
      severity: parsed.severity,
      blocking: true,
      summary: `Report ${parsed.id} from ${options.source} sets block_execution: true.`,
      evidence: { numbers: { severity: parsed.severity }, source: `report ${parsed.id} (${options.source})` },
      kinds: [],
      ...(overridden.has(key) ? { overridden: true } : {}),
    });
  }
  const report: FsarReport = {
    id: parsed.id,
    timestamp: new Date(parsed.timestamp).toISOString(),
    severity: parsed.severity,
    block_execution: parsed.block_execution,
    source,
    trigger: "import",
    findings,
    proposal: parsed.proposal,
    risks: parsed.risks,
    mitigations: parsed.mitigations,
    resolved: [],
    loop: { planned: 0, succeeded: 0, settling: 0, verified: 0, unverified: 0, byModel: [] },
    failedAssessors: [],
    narrative: { by: "steward" },
  };
  const gate = await storeReport(db, report, options.actor, {
    actor: options.actor,
    action: "fsar.import",
    reportId: report.id,
    details: { source: options.source, format: parsed.format, blockExecution: report.block_execution },
  });
  return { report, gate, format: parsed.format };
}
