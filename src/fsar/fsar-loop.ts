import type { Queryable } from "../db/database.ts";
import { finding } from "./assessor.ts";
import type { Finding, LoopSummary, ResolvedFinding } from "./fsar-report.ts";

interface PlannedTask {
  finding_keys: string[];
  task_id: number;
  status: string;
  model: string | null;
  finished_at: Date | null;
}

/** The open findings of a source, from its earlier reports. */
async function openFindings(
  db: Queryable,
  source: string,
): Promise<{ key: string; code: string; summary: string; first_seen_at: Date }[]> {
  const { rows } = await db.query<{ key: string; code: string; summary: string; first_seen_at: Date }>(
    "SELECT key, code, summary, first_seen_at FROM fsar_findings WHERE source = $1 AND status = 'open' ORDER BY key",
    [source],
  );
  return rows;
}

async function plannedTasks(db: Queryable, source: string): Promise<PlannedTask[]> {
  const { rows } = await db.query<PlannedTask>(
    // The model is the succeeded attempt's: the one that did the work.
    `SELECT a.finding_keys, a.task_id, t.status, t.finished_at,
            (SELECT ta.ai_model FROM task_attempts ta
              WHERE ta.task_id = t.id AND ta.outcome = 'succeeded' ORDER BY ta.attempt DESC LIMIT 1) AS model
       FROM fsar_actions a
       JOIN fsar_reports r ON r.id = a.report_id AND r.source = $1
       JOIN execution_tasks t ON t.id = a.task_id`,
    [source],
  );
  return rows;
}

/**
 * What this report's findings say about the loop: the earlier findings it no longer finds
 * (resolved, with how long they stayed open and whether a task fixed them), a finding of
 * `fsar.unverified_fix` for each finding still found although a task planned for it succeeded,
 * and the tally per model that ran those tasks.
 *
 * A fix is judged only once a whole window (`settleMs`, the assessment window) has passed since
 * its task succeeded: before that, the window still measures the time before the fix.
 */
export async function loopFacts(
  db: Queryable,
  source: string,
  found: Finding[],
  now: Date,
  settleMs: number,
): Promise<{ resolved: ResolvedFinding[]; unverified: Finding[]; loop: LoopSummary }> {
  const foundKeys = new Set(found.map((f) => f.key));
  const [open, tasks] = await Promise.all([openFindings(db, source), plannedTasks(db, source)]);
  const succeeded = tasks.filter(
    (t) => t.status === "succeeded" && (t.finished_at === null || t.finished_at <= now),
  );
  const settled = succeeded.filter(
    (t) => t.finished_at === null || t.finished_at.getTime() <= now.getTime() - settleMs,
  );
  const fixedBy = (key: string) => settled.filter((t) => t.finding_keys.includes(key));
  const resolved = open
    .filter((f) => !foundKeys.has(f.key))
    .map((f) => ({
      key: f.key,
      code: f.code,
      summary: f.summary,
      firstSeenAt: f.first_seen_at.toISOString(),
      openMs: now.getTime() - f.first_seen_at.getTime(),
      fixedByTask: succeeded.some((t) => t.finding_keys.includes(f.key)),
    }));
  const unverified = found
    .filter((f) => f.code !== "fsar.unverified_fix")
    .flatMap((f) => {
      const fixes = fixedBy(f.key);
      if (fixes.length === 0) return [];
      const models = [...new Set(fixes.map((t) => t.model ?? "no model"))];
      return [
        finding("fsar.unverified_fix", {
          scope: f.key,
          kinds: f.kinds,
          summary: `${fixes.length} self-improvement task${fixes.length === 1 ? "" : "s"} (${fixes.map((t) => `#${t.task_id}`).join(", ")}, on ${models.join(", ")}) succeeded for "${f.key}", yet this report still finds it.`,
          evidence: {
            numbers: {
              tasks: fixes.length,
              taskIds: fixes.map((t) => t.task_id).join(","),
              models: models.join(","),
            },
            source: "fsar_actions joined to execution_tasks, against this report's findings",
          },
          remedy: [
            {
              text: "Read what the task did before trusting its model with the next fix; plan the finding again.",
              command: `steward task show ${fixes[0]!.task_id}`,
            },
          ],
          risk: "A loop that counts its own work as done without the measurements agreeing habituates everyone to optimistic outputs.",
          mitigation:
            "Count a fix only when a later report no longer finds its finding; watch unverified fixes per model.",
        }),
      ];
    });
  // Per model: a succeeded task is verified when none of its findings is still found.
  const byModel = new Map<string, { succeeded: number; verified: number; unverified: number }>();
  let verified = 0;
  let unverifiedCount = 0;
  for (const t of settled) {
    const model = t.model ?? "no model";
    const tally = byModel.get(model) ?? { succeeded: 0, verified: 0, unverified: 0 };
    tally.succeeded += 1;
    if (t.finding_keys.some((k) => foundKeys.has(k))) {
      tally.unverified += 1;
      unverifiedCount += 1;
    } else {
      tally.verified += 1;
      verified += 1;
    }
    byModel.set(model, tally);
  }
  return {
    resolved,
    unverified,
    loop: {
      planned: tasks.length,
      succeeded: succeeded.length,
      settling: succeeded.length - settled.length,
      verified,
      unverified: unverifiedCount,
      byModel: [...byModel]
        .map(([model, t]) => ({ model, ...t }))
        .sort((a, b) => a.model.localeCompare(b.model)),
    },
  };
}
