import type { SchedulerTask } from "./scheduler-types.ts";
import type { Scored } from "./score-model.ts";

/**
 * The one line a person reads: why this model, or why none. It gives the expected cost, the
 * deadline slack and what the choice gains over the runner-up, in the terms a person weighs them
 * (success, lateness, dollars), e.g. "sim-strong: expected cost $0.061 — deadline slack 40 s;
 * expected weighted lateness 1.2 s vs 38 s on sim-nano (92% vs 61% success)".
 */

export interface Option {
  modelId: string;
  scored: Scored;
  /** Where the model stands in the failed model's fallback list (ties only). */
  rank: number;
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
  return `${best.modelId}: expected cost ${usd(-best.scored.score)} — ${clauses.filter(Boolean).join("; ")}`;
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
    `waiting ≈${formatDuration(waitMs)} for ${waitFor.modelId} (${why}): expected cost ${usd(-waitFor.scored.score)} ` +
    `vs ${usd(-bestNow.scored.score)} on ${bestNow.modelId} now — ${clauses.filter(Boolean).join("; ")}`
  );
}

function describeSlack(task: SchedulerTask, now: number): string {
  if (task.deadline === null) return "";
  const slack = task.deadline - now;
  return slack >= 0
    ? `deadline slack ${formatDuration(slack)}`
    : `${formatDuration(-slack)} past its deadline`;
}

/** Phrases for the parts of the cost on which `a` beats `b`, largest saving first. */
function comparisons(task: SchedulerTask, a: Option, b: Option): string[] {
  const ea = a.scored.estimates;
  const eb = b.scored.estimates;
  const success = `${percent(ea.successProbability)} vs ${percent(eb.successProbability)} success`;
  const phrases: { lead: number; text: string }[] = [
    {
      lead: a.scored.factors.lateness! - b.scored.factors.lateness!,
      text: `expected weighted lateness ${formatDuration(ea.tardinessS * 1_000)} vs ${formatDuration(eb.tardinessS * 1_000)} on ${b.modelId} (${success})`,
    },
    {
      lead: a.scored.factors.price! - b.scored.factors.price!,
      text: `${usd(ea.costUsd)} expected price vs ${usd(eb.costUsd)} on ${b.modelId} (${success})`,
    },
  ];
  const leading = phrases.filter((p) => p.lead > 0).sort((x, y) => y.lead - x.lead);
  if (leading.length > 0) return leading.map((p) => p.text);
  // Equal costs: the tie went to the failed model's fallback list, or to the model id.
  return task.previousModel !== null && a.rank < b.rank
    ? [`next in line after ${task.previousModel} failed`]
    : [`costs the same as ${b.modelId}`];
}

/** Dollars with two significant digits, however small ($0.0012, $0.061, $1.4, $12). */
export function usd(amount: number): string {
  if (amount === 0) return "$0";
  return amount >= 10 ? `$${amount.toFixed(0)}` : `$${amount.toPrecision(2)}`;
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
