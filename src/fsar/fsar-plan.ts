import { type EnqueueDeps, enqueueTasks } from "../tasks/enqueue-tasks.ts";
import type { Actor } from "../tasks/operator-actions.ts";
import { recordOperatorAction } from "../tasks/operator-actions.ts";
import type { Finding, FsarReport, ProposalAction } from "./fsar-report.ts";
import { getReport } from "./report-store.ts";

/** The kind and stage of the tasks a plan enqueues (the seed's "Self-Improvement" stage). */
export const selfImprovementKind = "self_improvement";
export const selfImprovementStage = "Self-Improvement";

/** One action of a report's proposal, as a task would carry it. */
export interface PlannedAction {
  section: number;
  sectionTitle: string;
  action: number;
  step: ProposalAction;
  /** The findings the section addresses, with their evidence. */
  findings: Pick<Finding, "key" | "code" | "severity" | "summary" | "evidence">[];
  /** The task made for it: new, or the one an earlier plan made (null without --enqueue). */
  taskId: number | null;
  alreadyPlanned: boolean;
}

export interface ReportPlan {
  reportId: string;
  enqueued: number;
  actions: PlannedAction[];
}

/**
 * Turns each action of a report's proposal into a `self_improvement` task (with `enqueue`),
 * linked to the findings it addresses, with their evidence in its payload. Planning again is
 * safe: each action's task has an idempotency key, so a second plan finds the first one's tasks.
 * Later reports judge the tasks: a finding gone after its task succeeded is a verified fix; one
 * still found is an unverified fix (fsar-loop.ts).
 */
export async function planReport(
  deps: EnqueueDeps,
  id: string,
  options: { enqueue: boolean; actor: Actor },
): Promise<ReportPlan> {
  const { report } = await getReport(deps.db, id);
  const actions = actionsOf(report);
  if (!options.enqueue || actions.length === 0) return { reportId: id, enqueued: 0, actions };
  const tasks = await enqueueTasks(
    deps,
    actions.map((a) => ({
      kind: selfImprovementKind,
      stage: selfImprovementStage,
      urgency: Math.min(10, Math.max(...a.findings.map((f) => f.severity), 1)),
      complexity: 5,
      idempotencyKey: `fsar-plan:${id}:${a.section}.${a.action}`,
      payload: {
        report: id,
        section: a.section,
        sectionTitle: a.sectionTitle,
        action: a.action,
        step: a.step,
        findings: a.findings,
      },
    })),
  );
  await deps.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO fsar_actions (report_id, section, action, finding_keys, task_id)
       SELECT $1, s, a, string_to_array(k, ' '), t
         FROM unnest($2::int[], $3::int[], $4::text[], $5::bigint[]) AS x(s, a, k, t)
       ON CONFLICT (report_id, section, action) DO UPDATE SET task_id = EXCLUDED.task_id`,
      [
        id,
        actions.map((a) => a.section),
        actions.map((a) => a.action),
        actions.map((a) => a.findings.map((f) => f.key).join(" ")),
        tasks.map((t) => t.id),
      ],
    );
    await recordOperatorAction(tx, {
      actor: options.actor,
      action: "fsar.plan",
      reportId: id,
      details: { tasks: tasks.map((t) => t.id) },
    });
  });
  const withTasks = actions.map((a, i) => ({
    ...a,
    taskId: tasks[i]!.id,
    alreadyPlanned: !tasks[i]!.created,
  }));
  return { reportId: id, enqueued: withTasks.filter((a) => !a.alreadyPlanned).length, actions: withTasks };
}

function actionsOf(report: FsarReport): PlannedAction[] {
  const byKey = new Map(report.findings.map((f) => [f.key, f]));
  return report.proposal.sections.flatMap((section) =>
    section.actions.map((step, i) => ({
      section: section.number,
      sectionTitle: section.title,
      action: i + 1,
      step,
      findings: section.findings.flatMap((key) => {
        const f = byKey.get(key);
        return f
          ? [{ key: f.key, code: f.code, severity: f.severity, summary: f.summary, evidence: f.evidence }]
          : [];
      }),
      taskId: null,
      alreadyPlanned: false,
    })),
  );
}
