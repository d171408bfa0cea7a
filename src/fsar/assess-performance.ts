import { getModelsStatus } from "../models/model-status.ts";
import { getWaitingTasks } from "../tasks/waiting-tasks.ts";
import { statsWindow } from "../telemetry/stats-window.ts";
import { checkTarget, describeBreach, formatDuration, formatMeasure } from "../telemetry/targets.ts";
import { readMeasures } from "../telemetry/task-measures.ts";
import { type Assessor, finding, windowOf } from "./assessor.ts";
import type { Finding } from "./fsar-report.ts";

/** Queue waits (p95) that make a finding without a target: 5 minutes, and 30 for a worse one. */
const longWaitMs = 5 * 60_000;
const veryLongWaitMs = 30 * 60_000;

/**
 * Performance: every configured target held against its own window (the stages and kinds over
 * their targets, with the numbers), long queue waits where no target watches them, and models
 * at their concurrency limit while tasks wait.
 */
export const performanceAssessor: Assessor = {
  name: "performance",
  async assess(deps, window) {
    const findings: Finding[] = [];
    const now = deps.clock.now();
    const watchedWait = new Set<string>();
    for (const target of deps.targets) {
      if (target.queueWaitP95Ms !== undefined && target.stage !== undefined) watchedWait.add(target.stage);
      const targetWindow = statsWindow(target.window, undefined, now);
      for (const check of await checkTarget(deps.db, target, targetWindow)) {
        if (check.status !== "breached") continue;
        const observed = check.observed!;
        const ratio =
          check.bound === "floor" ? check.target / Math.max(observed, 1e-9) : observed / check.target;
        const scope = [check.stage ?? "*", check.kind ?? "*", check.measure].join(":");
        const kinds = check.kind !== null ? [check.kind] : kindsOfStage(deps.kinds.all(), check.stage);
        findings.push(
          finding("performance.over_target", {
            scope,
            severity: ratio >= 4 ? 7 : ratio >= 2 ? 6 : 4,
            kinds,
            summary: `${describeBreach(check)} (${ratio.toFixed(1)}× the target).`,
            evidence: {
              numbers: {
                measure: check.measure,
                observed: round(observed),
                target: check.target,
                ratio: round(ratio),
                attempts: check.attempts,
              },
              window: windowOf(check),
              source: `task_rollups (${targetWindow.grain} grain) against telemetry.targets`,
            },
            remedy: [
              {
                text: `See where the time or the failures of ${check.stage ?? `kind ${check.kind}`} go, by model.`,
                command: `steward stats --by model --since ${check.window}${check.stage ? ` --stage "${check.stage}"` : ""}${check.kind ? ` --kind ${check.kind}` : ""}`,
              },
              {
                text: "Send the stage's work to faster models, or raise the models' concurrency if they wait on each other.",
              },
            ],
            risk: `${check.stage ?? check.kind} keeps missing its target (${formatMeasure(check.measure, observed)} against ${formatMeasure(check.measure, check.target)}): work it feeds waits behind it.`,
            mitigation:
              "Hold the target in `steward targets` and track its breach until the next reports find it met.",
          }),
        );
      }
    }
    const byStage = await readMeasures(deps.db, { window, by: "stage", unknownNames: "measure" });
    for (const row of byStage.rows) {
      const wait = row.queueWaitMs.p95;
      if (row.group === null || wait === null || wait < longWaitMs || watchedWait.has(row.group)) continue;
      findings.push(
        finding("performance.queue_wait", {
          scope: row.group,
          severity: wait >= veryLongWaitMs ? 6 : 4,
          kinds: kindsOfStage(deps.kinds.all(), row.group),
          summary: `${row.group}: tasks waited ${formatDuration(wait)} to start at p95 over the last ${window.label}, ${row.attempts} attempts.`,
          evidence: {
            numbers: {
              queueWaitP95Ms: round(wait),
              queueWaitAvgMs: round(row.queueWaitMs.avg ?? 0),
              attempts: row.attempts,
            },
            window: windowOf(window),
            source: "task_rollups (queue wait histograms)",
          },
          remedy: [
            {
              text: "Add workers or raise their concurrency, or the models' limits if tasks wait for models.",
              command: "steward status",
            },
          ],
          risk: "Work waits long before it starts: deadlines slip while the workers look busy.",
          mitigation: "Set a queueWaitP95Ms target for the stage so that a breach is tracked.",
        }),
      );
    }
    findings.push(...(await saturation(deps, window)));
    return findings;
  },
};

/** Models at their concurrency limit while tasks are ready and waiting. */
async function saturation(
  deps: Parameters<Assessor["assess"]>[0],
  window: Parameters<Assessor["assess"]>[1],
): Promise<Finding[]> {
  const status = await getModelsStatus(deps.db, deps.models);
  const full = status.models.filter((m) => m.enabled && m.concurrency > 0 && m.inFlight >= m.concurrency);
  if (full.length === 0) return [];
  const waiting = await getWaitingTasks(deps.db);
  const ready = waiting.byReason.ready + waiting.byReason.no_model;
  return full
    .filter((m) => ready >= 2 * m.concurrency)
    .map((m) =>
      finding("performance.model_saturation", {
        scope: `model:${m.id}`,
        kinds: m.learned.map((l) => l.kind),
        summary: `Model ${m.id} runs ${m.inFlight} requests, its concurrency limit, while ${ready} tasks are ready and waiting.`,
        evidence: {
          numbers: { inFlight: m.inFlight, concurrency: m.concurrency, readyTasks: ready },
          window: windowOf({ from: window.to, to: window.to }),
          source: "model_calls in flight; execution_tasks waiting (steward status)",
        },
        remedy: [
          {
            text: `Raise ${m.id}'s concurrency if its provider allows, or add a model that can take the same work.`,
            config: JSON.stringify({ models: [{ id: m.id, concurrency: m.concurrency * 2 }] }, null, 2),
          },
        ],
        risk: `Work queues behind ${m.id}: when it slows or fails, everything routed to it waits.`,
        mitigation:
          "Keep a second model able to take each kind's work, so the scheduler has somewhere to send it.",
      }),
    );
}

function kindsOfStage(
  kinds: { name: string; defaults?: { stage?: string } }[],
  stage: string | null,
): string[] {
  if (stage === null) return [];
  return kinds.filter((k) => (k.defaults?.stage ?? k.name) === stage).map((k) => k.name);
}

const round = (x: number) => Number(x.toFixed(4));
