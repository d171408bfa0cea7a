import type { SchedulerTask } from "./scheduler-types.ts";
import type { FactorName, Scored } from "./score-model.ts";

/**
 * The one line a person reads: why this model, or why none. It names the deadline slack and the
 * two factors on which the choice beats the runner-up most, in the terms a person weighs them
 * (success, lateness, dollars, seconds), e.g. "sim-strong: best score 0.82 — deadline slack 40 s;
 * 92% expected success vs 61% for sim-nano; ≈25 s per attempt vs 60 s for sim-max".
 */

export interface Option {
  modelId: string;
  scored: Scored;
}

export function explainChoice(
  task: SchedulerTask,
  now: number,
  best: Option,
  runnerUp: Option | null,
): string {
  const clauses = [describeSlack(task, now)];
  if (runnerUp === null) clauses.push("the only eligible model");
  else clauses.push(...comparisons(task, best, runnerUp).slice(0, 2));
  return `${best.modelId}: best score ${best.scored.score.toFixed(2)} — ${clauses.filter(Boolean).join("; ")}`;
}

/** A task left waiting for a busy model because that scores better than anything free now. */
export function explainHold(
  task: SchedulerTask,
  now: number,
  waitFor: Option,
  waitMs: number,
  why: string,
  bestNow: Option,
): string {
  const clauses = [describeSlack(task, now), ...comparisons(task, waitFor, bestNow).slice(0, 1)];
  return (
    `waiting ≈${formatDuration(waitMs)} for ${waitFor.modelId} (${why}): score ${waitFor.scored.score.toFixed(2)} ` +
    `vs ${bestNow.scored.score.toFixed(2)} for ${bestNow.modelId} now — ${clauses.filter(Boolean).join("; ")}`
  );
}

function describeSlack(task: SchedulerTask, now: number): string {
  if (task.deadline === null) return "";
  const slack = task.deadline - now;
  return slack >= 0
    ? `deadline slack ${formatDuration(slack)}`
    : `${formatDuration(-slack)} past its deadline`;
}

/** Phrases for the factors on which `a` beats `b` most, largest lead first. */
function comparisons(task: SchedulerTask, a: Option, b: Option): string[] {
  const ea = a.scored.estimates;
  const eb = b.scored.estimates;
  const lead = (names: FactorName[]) =>
    names.reduce((sum, name) => sum + a.scored.factors[name] - b.scored.factors[name], 0);
  const learned = a.scored.factors.learned_success !== 0 || b.scored.factors.learned_success !== 0;
  const phrases: { lead: number; text: string }[] = [
    {
      lead: lead(["capability", "learned_success"]),
      text: `${percent(ea.successProbability)} expected success vs ${percent(eb.successProbability)} for ${b.modelId}${learned ? " (learned)" : ""}`,
    },
    {
      lead: lead(["deadline"]),
      text: `expected weighted lateness ${formatDuration(ea.tardinessS * 1_000)} vs ${formatDuration(eb.tardinessS * 1_000)} on ${b.modelId}`,
    },
    {
      lead: lead(["cost"]),
      text: `$${ea.costUsd.toPrecision(2)} expected cost vs $${eb.costUsd.toPrecision(2)} for ${b.modelId}`,
    },
    {
      lead: lead(["latency", "learned_duration"]),
      text: `≈${formatDuration(ea.durationMs)} per attempt vs ${formatDuration(eb.durationMs)} for ${b.modelId}`,
    },
    {
      lead: lead(["exploration"]),
      text: `exploring: few attempts on ${task.kind} so far`,
    },
    {
      lead: lead(["fallback"]),
      text: `next in line after ${task.previousModel ?? "the previous model"} failed`,
    },
  ];
  return phrases
    .filter((p) => p.lead > 0.005)
    .sort((x, y) => y.lead - x.lead)
    .map((p) => p.text);
}

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

export function formatDuration(ms: number): string {
  const s = ms / 1_000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  return `${(s / 3_600).toFixed(1)} h`;
}
