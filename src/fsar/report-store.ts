import type { Queryable, Session } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { endOverrides, type GateChange, holdGate, releaseGate } from "../tasks/execution-gate.ts";
import {
  type ActionRecord,
  type Actor,
  recordOperatorAction,
  stewardActor,
} from "../tasks/operator-actions.ts";
import { renderFsarMarkdown } from "./fsar-markdown.ts";
import type { Finding, FsarReport } from "./fsar-report.ts";

/** The gate's cause for a source's reports. */
export const gateCause = (source: string) => `fsar:${source}`;

/** The findings of a report that close the gate: blocking, and not let through by an operator. */
export function closingFindings(report: Pick<FsarReport, "findings">): Finding[] {
  return report.findings.filter((f) => f.blocking && !f.overridden);
}

/**
 * Stores a report and what follows from it, in one transaction: the report; each finding's life
 * (first and last seen, reopened, resolved with the time it stayed open); overrides of findings
 * no longer found ended; and the gate of its source held closed for its blocking findings' kinds,
 * or let go when it has none.
 */
export async function storeReport(
  db: Session,
  report: FsarReport,
  actor: Actor = stewardActor,
  action?: ActionRecord,
): Promise<GateChange> {
  const markdown = renderFsarMarkdown(report);
  return db.transaction(async (tx) => {
    if (action !== undefined) await recordOperatorAction(tx, action);
    const { rowCount } = await tx.query(
      `INSERT INTO fsar_reports (id, created_at, source, trigger, severity, block_execution, findings, report, markdown)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
      [
        report.id,
        report.timestamp,
        report.source,
        report.trigger,
        report.severity,
        report.block_execution,
        report.findings.length,
        JSON.stringify(report),
        markdown,
      ],
    );
    if (rowCount === 0)
      throw new StewardError(
        "conflict",
        `A report with id ${report.id} is already stored; nothing was changed.`,
        {
          details: { id: report.id },
        },
      );
    await recordFindings(tx, report);
    await endOverrides(
      tx,
      report.source,
      report.findings.map((f) => f.key),
    );
    const closing = closingFindings(report);
    if (closing.length === 0)
      return releaseGate(tx, {
        cause: gateCause(report.source),
        reason: `report ${report.id} finds no blocking finding`,
        reportId: report.id,
        actor,
      });
    const kinds = closing.some((f) => f.kinds.length === 0)
      ? []
      : [...new Set(closing.flatMap((f) => f.kinds))];
    return holdGate(tx, {
      cause: gateCause(report.source),
      kinds,
      reason: `report ${report.id}: ${closing.map((f) => f.summary).join(" ")}`.slice(0, 2_000),
      reportId: report.id,
      findingKeys: closing.map((f) => f.key),
      actor,
    });
  });
}

async function recordFindings(tx: Queryable, report: FsarReport): Promise<void> {
  const at = report.timestamp;
  for (const f of report.findings)
    await tx.query(
      `INSERT INTO fsar_findings (source, key, assessor, code, severity, blocking, summary, kinds, evidence,
                                  first_report, first_seen_at, last_report, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)
       ON CONFLICT (source, key) DO UPDATE SET
         assessor = EXCLUDED.assessor, code = EXCLUDED.code, severity = EXCLUDED.severity,
         blocking = EXCLUDED.blocking, summary = EXCLUDED.summary, kinds = EXCLUDED.kinds,
         evidence = EXCLUDED.evidence, last_report = EXCLUDED.last_report, last_seen_at = EXCLUDED.last_seen_at,
         times_seen = fsar_findings.times_seen + 1,
         reopened = fsar_findings.reopened + (fsar_findings.status = 'resolved')::int,
         first_report = CASE WHEN fsar_findings.status = 'resolved' THEN EXCLUDED.first_report ELSE fsar_findings.first_report END,
         first_seen_at = CASE WHEN fsar_findings.status = 'resolved' THEN EXCLUDED.first_seen_at ELSE fsar_findings.first_seen_at END,
         status = 'open', resolved_at = NULL, resolved_report = NULL, resolved_by = NULL`,
      [
        report.source,
        f.key,
        f.assessor,
        f.code,
        f.severity,
        f.blocking,
        f.summary,
        f.kinds,
        JSON.stringify(f.evidence),
        report.id,
        at,
      ],
    );
  await tx.query(
    `UPDATE fsar_findings SET status = 'resolved', resolved_at = $3, resolved_report = $4, resolved_by = 'report'
      WHERE source = $1 AND status = 'open' AND key <> ALL ($2::text[])`,
    [report.source, report.findings.map((f) => f.key), at, report.id],
  );
}

export interface StoredReport {
  id: string;
  createdAt: Date;
  source: string;
  trigger: string;
  severity: number;
  blockExecution: boolean;
  findings: number;
  ackedAt: Date | null;
  ackedBy: string | null;
}

interface ReportRow {
  id: string;
  created_at: Date;
  source: string;
  trigger: string;
  severity: number;
  block_execution: boolean;
  findings: number;
  acked_at: Date | null;
  acked_by: string | null;
}

const listed = (r: ReportRow): StoredReport => ({
  id: r.id,
  createdAt: r.created_at,
  source: r.source,
  trigger: r.trigger,
  severity: r.severity,
  blockExecution: r.block_execution,
  findings: r.findings,
  ackedAt: r.acked_at,
  ackedBy: r.acked_by,
});

/** Reports, newest first. */
export async function listReports(
  db: Queryable,
  options: { limit?: number; source?: string } = {},
): Promise<StoredReport[]> {
  const { rows } = await db.query<ReportRow>(
    `SELECT id, created_at, source, trigger, severity, block_execution, findings, acked_at, acked_by
       FROM fsar_reports WHERE $2::text IS NULL OR source = $2
      ORDER BY created_at DESC, id DESC LIMIT $1`,
    [options.limit ?? 50, options.source ?? null],
  );
  return rows.map(listed);
}

/** One report whole: its JSON, its Markdown and whether it was acknowledged. */
export async function getReport(
  db: Queryable,
  id: string,
): Promise<{ report: FsarReport; markdown: string; stored: StoredReport }> {
  const { rows } = await db.query<ReportRow & { report: FsarReport; markdown: string }>(
    `SELECT id, created_at, source, trigger, severity, block_execution, findings, acked_at, acked_by, report, markdown
       FROM fsar_reports WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row)
    throw new StewardError("not_found", `There is no report ${id}; \`steward fsar ls\` lists them.`, {
      details: { id },
    });
  return { report: row.report, markdown: row.markdown, stored: listed(row) };
}

/** The newest report of a source, if any. */
export async function latestReport(db: Queryable, source = "steward"): Promise<FsarReport | null> {
  const { rows } = await db.query<{ report: FsarReport }>(
    "SELECT report FROM fsar_reports WHERE source = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    [source],
  );
  return rows[0]?.report ?? null;
}

/** Marks a report as read by an operator. Acknowledging opens nothing: the gate follows findings. */
export async function acknowledgeReport(db: Session, id: string, actor: Actor): Promise<StoredReport> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ReportRow>(
      `UPDATE fsar_reports SET acked_at = coalesce(acked_at, now()), acked_by = coalesce(acked_by, $2)
        WHERE id = $1
        RETURNING id, created_at, source, trigger, severity, block_execution, findings, acked_at, acked_by`,
      [id, actor.name],
    );
    if (!rows[0])
      throw new StewardError("not_found", `There is no report ${id}; \`steward fsar ls\` lists them.`, {
        details: { id },
      });
    await recordOperatorAction(tx, { actor, action: "fsar.ack", reportId: id });
    return listed(rows[0]);
  });
}

export interface FindingState {
  source: string;
  key: string;
  assessor: string;
  code: string;
  severity: number;
  blocking: boolean;
  summary: string;
  kinds: string[];
  status: "open" | "resolved";
  firstSeenAt: Date;
  lastSeenAt: Date;
  timesSeen: number;
  reopened: number;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  firstReport: string;
  lastReport: string;
}

/** Findings across reports, open first, most severe first. */
export async function listFindings(
  db: Queryable,
  options: { status?: "open" | "resolved"; source?: string; limit?: number } = {},
): Promise<FindingState[]> {
  const { rows } = await db.query<FindingState>(
    `SELECT source, key, assessor, code, severity, blocking, summary, kinds, status,
            first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", times_seen AS "timesSeen", reopened,
            resolved_at AS "resolvedAt", resolved_by AS "resolvedBy", first_report AS "firstReport",
            last_report AS "lastReport"
       FROM fsar_findings
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source = $2)
      ORDER BY status, severity DESC, last_seen_at DESC, key LIMIT $3`,
    [options.status ?? null, options.source ?? null, options.limit ?? 200],
  );
  return rows;
}

/**
 * An operator marks a finding resolved (it was mended outside what Steward measures). A later
 * report that finds it again reopens it. When the finding closed the gate, the gate stays
 * closed until a report no longer finds it or an operator opens it (`steward gate open`).
 */
export async function resolveFinding(
  db: Session,
  key: string,
  actor: Actor,
  options: { source?: string; reason?: string | null } = {},
): Promise<FindingState> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ source: string }>(
      `UPDATE fsar_findings SET status = 'resolved', resolved_at = now(), resolved_by = $3
        WHERE key = $1 AND ($2::text IS NULL OR source = $2) AND status = 'open' RETURNING source`,
      [key, options.source ?? null, `operator:${actor.name}`],
    );
    if (rows.length === 0)
      throw new StewardError(
        "not_found",
        `There is no open finding ${key}; \`steward fsar findings\` lists the open ones by key.`,
        { details: { key } },
      );
    await recordOperatorAction(tx, {
      actor,
      action: "fsar.resolve",
      reason: options.reason ?? null,
      details: { key, sources: rows.map((r) => r.source) },
    });
    const found = await listFindings(tx, { source: rows[0]!.source, status: "resolved", limit: 1_000 });
    return found.find((f) => f.key === key)!;
  });
}
