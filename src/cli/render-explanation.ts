import type { TaskDetail } from "../tasks/query-tasks.ts";
import { signed } from "./render-curves.ts";
import { renderTable } from "./render-table.ts";
import { formatDuration } from "./render-task.ts";
import type { Jsonified } from "./steward-client.ts";

type Assignment = NonNullable<Jsonified<TaskDetail>["assignment"]>;
type Score = Assignment["scores"][number];

/** The factors of a priced score: together, minus the expected cost of the task on that model. */
const pricedFactors = ["price", "lateness"];

/**
 * Why a task's model was chosen (`steward task explain`): the latest assignment with every model
 * considered, then each attempt's model and reason. A choice the scheduler priced in dollars shows
 * each model's expected cost and its two parts, the chance that one attempt succeeds and the
 * learned curve that said so; an older one, the score of each of its factors.
 */
export function renderExplanation(task: Jsonified<TaskDetail>, now: Date, width?: number): string {
  const lines = [`Task ${task.id}  ${task.kind}, urgency ${task.urgency}, complexity ${task.complexity}`];
  if (task.pinnedModel) lines.push(`Pinned to model ${task.pinnedModel}.`);
  const assignment = task.assignment;
  if (assignment === null) {
    lines.push(
      task.attempts === 0 && task.aiModel === null
        ? "No assignment yet: the scheduler assigns a model when a worker claims the task (kinds that run on a model only)."
        : "No assignment recorded: this kind does not run on a model.",
    );
    return lines.join("\n");
  }
  // The reasons are the scheduler's at that moment ("cooling down for 3.0 s more"): say when it was.
  const ago = formatDuration(now.getTime() - Date.parse(assignment.at));
  lines.push(
    "",
    `Latest assignment, ${ago} ago (${assignment.at}): ${assignment.model ?? "no model — the task waited"}`,
    `  ${assignment.reason}`,
  );
  if (assignment.waitingFor)
    lines.push(
      `  Waiting for ${assignment.waitingFor.model}, expected free in ≈${seconds(assignment.waitingFor.expectedWaitMs)} (as estimated then).`,
    );
  lines.push(
    "",
    isPriced(assignment) ? costTable(assignment, ago, width) : factorTable(assignment, ago, width),
    "",
    "Limits, cooldowns and budgets are as they were then; `steward models` shows each model's state now.",
  );
  if (isPriced(assignment))
    lines.push(
      "Expected cost = price (the attempts it takes, failures included) + lateness (its price of lateness).",
    );
  const attempts = task.attemptHistory.filter((a) => a.assignment !== null);
  if (attempts.length > 0) {
    lines.push("", "Attempts");
    for (const a of attempts)
      lines.push(`  #${a.attempt}  ${a.aiModel ?? "—"}  ${a.outcome}: ${a.assignment!.reason}`);
  }
  return lines.join("\n");
}

/** Whether the scheduler priced the choice in dollars: every factor a price or a lateness. */
function isPriced(assignment: Assignment): boolean {
  const names = new Set(assignment.scores.flatMap((s) => Object.keys(s.factors)));
  return names.size > 0 && [...names].every((name) => pricedFactors.includes(name));
}

/** Each model's expected cost (minus its score) and its parts, its success estimate and its curve. */
function costTable(assignment: Assignment, ago: string, width: number | undefined): string {
  return renderTable(
    ["model", "expected cost", "price", "lateness", "success", "curve", `excluded then (${ago} ago) because`],
    assignment.scores.map((s) => [
      marked(s, assignment),
      s.score === null ? "—" : usd(-s.score),
      s.factors.price === undefined ? "" : usd(-s.factors.price),
      s.factors.lateness === undefined ? "" : usd(-s.factors.lateness),
      s.estimates === undefined ? "" : `${Math.round(100 * s.estimates.successProbability)}%`,
      s.estimates === undefined ? "" : describeCurve(s.estimates.curve),
      s.excluded ?? "",
    ]),
    { width },
  );
}

/** An assignment from before the scheduler priced its choices: the score of each factor. */
function factorTable(assignment: Assignment, ago: string, width: number | undefined): string {
  const factorNames = [...new Set(assignment.scores.flatMap((s) => Object.keys(s.factors)))];
  return renderTable(
    ["model", "score", ...factorNames, `excluded then (${ago} ago) because`],
    assignment.scores.map((s) => [
      marked(s, assignment),
      s.score === null ? "—" : s.score.toFixed(3),
      ...factorNames.map((f) => (s.factors[f] === undefined ? "" : s.factors[f]!.toFixed(3))),
      s.excluded ?? "",
    ]),
    { width },
  );
}

function marked(score: Score, assignment: Assignment): string {
  return score.modelId === assignment.model ? `${score.modelId} ←` : score.modelId;
}

/** "code σ(1.9 + 2.1·gap), kind −0.4": the learned curve a success estimate came from. */
export function describeCurve(curve: NonNullable<Score["estimates"]>["curve"]): string {
  const slope = curve.slope < 0 ? `− ${(-curve.slope).toFixed(1)}` : `+ ${curve.slope.toFixed(1)}`;
  // A correction that rounds to nothing is left unsaid.
  const kind = Math.abs(curve.kindLogOdds) < 0.05 ? "" : `, kind ${signed(curve.kindLogOdds, 1)}`;
  return `${curve.capability} σ(${curve.offset.toFixed(1)} ${slope}·gap)${kind}`;
}

/** Dollars to two significant digits below a dollar: "$0.00013", "$0.024", "$3.50". */
export function usd(amount: number): string {
  if (amount === 0) return "$0";
  if (Math.abs(amount) < 1e-6) return "≈$0";
  const text = Math.abs(amount) < 1 ? Math.abs(amount).toPrecision(2) : Math.abs(amount).toFixed(2);
  return `${amount < 0 ? "−" : ""}$${text}`;
}

/** "850 ms" → "0.9 s", "12,400 ms" → "12 s". */
function seconds(ms: number): string {
  const s = ms / 1_000;
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}
