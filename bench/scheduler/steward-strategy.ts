import { assignModels, type SchedulerWeights } from "../../src/scheduler/assign-models.ts";
import { recordOutcome } from "../../src/scheduler/learn.ts";
import type { ModelKindStats, ScoreEstimates, SuccessCount } from "../../src/scheduler/scheduler-types.ts";
import { type CapabilityGap, capabilityGaps, countOutcome } from "../../src/scheduler/success-curve.ts";
import type { Decisions, Hold, Pick, Strategy } from "./strategies.ts";

/**
 * Steward: src/scheduler/assign-models.ts, learning as production learns from an empty record.
 * After each finished attempt, but a 429 (which says nothing of the model's work: the cooldown
 * deals with it), it folds the outcome into the model's record per kind (learn.ts's
 * recordOutcome, calibrated by the estimates the scheduler chose the model on) and into its
 * success counts at the gaps the task was judged on when it started (success-curve.ts's
 * countOutcome, as the completion statement counts them). A task it leaves waiting for a busy
 * model is held for that model (Assignment.waitingFor).
 */
export function steward(weights: Partial<SchedulerWeights>): Strategy {
  const stats = new Map<string, Record<string, ModelKindStats>>();
  const counts = new Map<string, SuccessCount[]>();
  // What the scheduler expected of each attempt it started, and the gaps it judged it on.
  const started = new Map<string, { estimates?: ScoreEstimates; gaps: CapabilityGap[] }>();
  const key = (taskId: number, attempt: number) => `${taskId}/${attempt}`;
  return {
    name: "steward",
    assign({ now, tasks, models }): Decisions {
      const known = models.map((model) => ({
        ...model,
        stats: stats.get(model.id) ?? {},
        successCounts: counts.get(model.id) ?? [],
      }));
      const byId = new Map(known.map((model) => [model.id, model]));
      const assignments = assignModels({ tasks, models: known, now, exhaustedIdeas: {} }, weights);
      const byTask = new Map(tasks.map((t) => [t.id, t]));
      const picks: Pick[] = [];
      const holds: Hold[] = [];
      for (const assignment of assignments) {
        if (assignment.modelId === null) {
          if (assignment.waitingFor !== undefined) {
            holds.push({ taskId: assignment.taskId, waitingFor: assignment.waitingFor });
          }
          continue;
        }
        const task = byTask.get(assignment.taskId)!;
        const chosen = assignment.scores.find((s) => s.modelId === assignment.modelId);
        started.set(key(task.id, task.attempt), {
          ...(chosen?.estimates === undefined ? {} : { estimates: chosen.estimates }),
          gaps: capabilityGaps(byId.get(assignment.modelId)!.capabilities, task),
        });
        picks.push({ taskId: assignment.taskId, modelId: assignment.modelId });
      }
      return { picks, holds };
    },
    observe({ task, modelId, outcome, succeeded }) {
      const attempt = started.get(key(task.id, task.attempt));
      started.delete(key(task.id, task.attempt));
      if (outcome.kind === "rate_limited") return;
      const estimates = attempt?.estimates;
      const forModel = stats.get(modelId) ?? {};
      forModel[task.kind] = recordOutcome(forModel[task.kind], {
        succeeded,
        durationMs: outcome.latencyMs,
        ...(estimates === undefined
          ? {}
          : { priorSuccess: estimates.priorSuccess, priorDurationMs: estimates.priorDurationMs }),
      });
      stats.set(modelId, forModel);
      if (attempt !== undefined) {
        counts.set(
          modelId,
          countOutcome(counts.get(modelId) ?? [], { kind: task.kind, gaps: attempt.gaps, succeeded }),
        );
      }
    },
  };
}
