import type { Queryable } from "../db/database.ts";
import { type Alert, listAlerts } from "../telemetry/alerts.ts";
import type { IndicatorName, Scope } from "../telemetry/indicator-series.ts";
import { type Measures, readMeasures } from "../telemetry/task-measures.ts";
import { type AssessmentWindow, type Assessor, finding, percent, windowOf } from "./assessor.ts";
import type { Finding, ProposalAction } from "./fsar-report.ts";

/**
 * The indicators assessor: the leading indicators' open alerts on trend change
 * (docs/indicators.md), and trust inflation measured from the rollups.
 *
 * - indicators.alert: each open alert of a step change (5; 6 for error_rate and trust_inflation);
 * - indicators.slow_degradation: each open alert of the trend test, Mann–Kendall (4);
 * - indicators.trust_inflation: per model and kind, unverified ÷ (succeeded + unverified) ≥ 10 %
 *   of ≥ 20 answers reported done (5; 6 from 20 %), unless an open trust_inflation alert already
 *   says so for that model and kind (the alert is kept).
 */
export const indicatorsAssessor: Assessor = {
  name: "indicators",
  async assess(deps, window) {
    const alerts = await listAlerts(deps.db, { open: true, limit: 500 });
    const found = alerts.map((alert) => alertFinding(alert, window));
    const alerted = new Set(
      alerts.filter((a) => a.indicator === "trust_inflation").map((a) => scopeText(a.scope)),
    );
    for (const f of await trustInflation(deps.db, window))
      if (!alerted.has(f.key.slice("indicators.trust_inflation:".length))) found.push(f);
    return found;
  },
};

/** A scope as a finding's key carries it: "stage:Implement Ideas", "model:sim-a:kind:llm". */
function scopeText(scope: Scope): string {
  return (["stage", "model", "kind"] as const)
    .filter((d) => scope[d] !== undefined)
    .map((d) => `${d}:${scope[d]}`)
    .join(":");
}

const severe = new Set<IndicatorName>(["error_rate", "trust_inflation"]);
const isTrendTest = (detector: string) => detector === "mann-kendall";

const described: Record<IndicatorName, string> = {
  duration: "the average duration of attempts",
  error_rate: "the share of attempts that failed",
  retry_ratio: "the share of attempts that were retries",
  queue_wait: "the average wait of tasks before they start",
  cost_per_success: "the cost of a successful attempt",
  output_length: "output tokens per successful attempt",
  trust_inflation: "the share of answers reported done that were not right",
  payment_failure_rate: "the share of payments that failed",
  checkout_conversion: "the share of checkouts completed",
};

function alertFinding(alert: Alert, window: AssessmentWindow): Finding {
  const trend = isTrendTest(alert.detector);
  const where = scopeText(alert.scope);
  const scope = where === "" ? alert.indicator : `${alert.indicator}:${where}`;
  const change =
    alert.beforeValue === 0 ? null : (alert.afterValue - alert.beforeValue) / Math.abs(alert.beforeValue);
  const moved = alert.afterValue >= alert.beforeValue ? "rose" : "fell";
  const of = where === "" ? "everything" : describeScope(alert.scope);
  const how = trend
    ? "a steady drift found by the trend test (mann-kendall)"
    : `a change found by ${alert.detector}`;
  return finding(trend ? "indicators.slow_degradation" : "indicators.alert", {
    scope,
    severity: trend ? 4 : severe.has(alert.indicator) ? 6 : 5,
    summary: `${label(alert.indicator)} of ${of} ${moved} from ${number(alert.indicator, alert.beforeValue)} to ${number(alert.indicator, alert.afterValue)}${change === null ? "" : ` (${change > 0 ? "+" : ""}${Math.round(change * 100)} %)`} since ${alert.changedAt}, ${how}; the alert is open (latest ${number(alert.indicator, alert.latestValue)}).`,
    evidence: {
      numbers: {
        alertId: alert.id,
        indicator: alert.indicator,
        detector: alert.detector,
        before: alert.beforeValue,
        after: alert.afterValue,
        latest: alert.latestValue,
        relativeChange: change,
        reopened: alert.reopened,
        openedAt: alert.openedAt,
      },
      window: { from: alert.changedAt, to: laterOf(alert.lastSeenAt, window.to.toISOString()) },
      source: `telemetry_alerts #${alert.id} (listAlerts): ${alert.message}`,
    },
    kinds: alert.scope.kind === undefined ? [] : [alert.scope.kind],
    remedy: alertRemedy(alert),
    risk: `${capitalised(described[alert.indicator] ?? alert.indicator.replaceAll("_", " "))} of ${of} is ${trend ? "drifting" : "worse"} than it was: left alone, it ${riskOf(alert.indicator)}.`,
    mitigation: mitigationOf(alert),
  });
}

function alertRemedy(alert: Alert): ProposalAction[] {
  const { stage, kind, model } = alert.scope;
  const filters = [
    stage === undefined ? "" : ` --stage ${quote(stage)}`,
    kind === undefined ? "" : ` --kind ${quote(kind)}`,
    model === undefined || model === "none" ? "" : ` --model ${quote(model)}`,
  ].join("");
  const by = model === undefined ? "model" : "kind";
  const actions: ProposalAction[] = [
    {
      text: "See the open alerts with their levels before and after the change",
      command: "steward alerts --open",
    },
  ];
  if (alert.indicator === "payment_failure_rate" || alert.indicator === "checkout_conversion")
    actions.push({
      text: "Read the money's entries of the period of the change",
      command: `steward money ledger --since ${alert.changedAt}`,
    });
  else
    actions.push({
      text: `See where the change comes from, by ${by}, since it began`,
      command: `steward stats --by ${by}${filters} --since ${alert.changedAt}`,
    });
  if (model !== undefined && model !== "none")
    actions.push({
      text: `If the change is ${model}'s, disable it until it behaves again; the scheduler moves its work to other models`,
      config: JSON.stringify({ models: [{ id: model, enabled: false }] }),
    });
  else
    actions.push({
      text: `Compare the change's start (${alert.changedAt}) with deploys, configuration changes and model changes of that time`,
    });
  return actions;
}

function riskOf(indicator: IndicatorName): string {
  switch (indicator) {
    case "duration":
    case "queue_wait":
      return "turns into missed deadlines and a growing backlog";
    case "error_rate":
    case "retry_ratio":
      return "turns into tasks failing for good once retries run out, and pays for every failed attempt";
    case "cost_per_success":
    case "output_length":
      return "spends more for the same work until a budget stops it";
    case "trust_inflation":
      return "lets wrong answers pass as done, and those who read them learn to trust what is not checked";
    default:
      return "costs revenue before the money's own totals show it";
  }
}

function mitigationOf(alert: Alert): string {
  const model = alert.scope.model;
  if (model !== undefined && model !== "none")
    return `Move the work off ${model} (disable it, or prefer its fallbacks) until its indicator is back to where it was, and keep a second model able to take its kinds.`;
  if (alert.indicator === "payment_failure_rate" || alert.indicator === "checkout_conversion")
    return "Check the payment provider's status and the checkout pages changed around the change's start, and undo the change that caused it.";
  return "Find what changed at the change's start (a deploy, a configuration change, a model's behaviour) and undo or mend it; the alert resolves itself once the indicator recovers.";
}

async function trustInflation(db: Queryable, window: AssessmentWindow): Promise<Finding[]> {
  const measure = (filter: { model?: string[] }, by: "model" | "kind") =>
    readMeasures(db, { window, by, ...filter, unknownNames: "measure" }).then((a) => a.rows);
  const candidates = (await measure({}, "model")).filter(
    (r) => r.group !== null && r.unverified > 0 && r.succeeded + r.unverified >= 20,
  );
  const found: Finding[] = [];
  for (const model of candidates) {
    const id = model.group!;
    for (const row of await measure({ model: [id] }, "kind")) {
      const kind = row.group;
      const answers = row.succeeded + row.unverified;
      if (kind === null || answers < 20) continue;
      const share = row.unverified / answers;
      if (share < 0.1) continue;
      found.push(trustFinding(window, id, kind, row, share));
    }
  }
  return found;
}

function trustFinding(
  window: AssessmentWindow,
  model: string,
  kind: string,
  row: Measures,
  share: number,
): Finding {
  const answers = row.succeeded + row.unverified;
  return finding("indicators.trust_inflation", {
    scope: `model:${model}:kind:${kind}`,
    severity: share >= 0.2 ? 6 : 5,
    summary: `Model ${model} reported ${answers} answers of kind ${kind} done in the last ${inWords(window.label)}, and ${row.unverified} of them (${percent(share)}) failed their check.`,
    evidence: {
      numbers: {
        answersReportedDone: answers,
        unverified: row.unverified,
        verified: row.succeeded,
        trustInflation: share,
        attempts: row.attempts,
      },
      window: windowOf(window),
      source: `task_rollups, model '${model}', kind '${kind}' (readMeasures: unverified ÷ (succeeded + unverified))`,
    },
    kinds: [kind],
    remedy: [
      {
        text: `Measure ${model}'s answers of ${kind} over the window`,
        command: `steward stats --by kind --model ${quote(model)} --kind ${quote(kind)} --since ${window.label}`,
      },
      {
        text: `Read the unverified answers' mismatches (OutputMismatch) among the failed tasks of ${kind}`,
        command: `steward task ls --status failed --kind ${quote(kind)}`,
      },
      {
        text: `Stop sending ${kind} to ${model} until its answers pass their check again`,
        config: JSON.stringify({ models: [{ id: model, enabled: false }] }),
      },
    ],
    risk: `${percent(share)} of what ${model} reports done for ${kind} is not right: work built on those answers is wrong, and a success rate that counts them looks better than the work is.`,
    mitigation: `Keep checking ${kind}'s answers (its output schema), route ${kind} to a model whose answers pass, and tighten the prompt or schema where the mismatches cluster.`,
  });
}

function describeScope(scope: Scope): string {
  return (["stage", "model", "kind"] as const)
    .filter((d) => scope[d] !== undefined)
    .map((d) => `${d} ${scope[d]}`)
    .join(", ");
}

const label = (indicator: IndicatorName) => capitalised(indicator.replaceAll("_", " "));
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const laterOf = (a: string, b: string) => (a > b ? a : b);

/** An indicator's value in its own unit: a share as a percentage, a duration in ms, money in dollars. */
function number(indicator: IndicatorName, value: number): string {
  if (
    ["error_rate", "retry_ratio", "trust_inflation", "payment_failure_rate", "checkout_conversion"].includes(
      indicator,
    )
  )
    return percent(value);
  if (indicator === "duration" || indicator === "queue_wait") return `${Math.round(value)} ms`;
  if (indicator === "cost_per_success") return `$${value.toFixed(4)}`;
  return String(Math.round(value));
}

/** "1h" → "hour", "15m" → "15 minutes", "1d" → "day". */
export function inWords(label: string): string {
  const match = /^(\d+)([mhdw])$/.exec(label);
  if (!match) return label;
  const unit = { m: "minute", h: "hour", d: "day", w: "week" }[match[2] as "m" | "h" | "d" | "w"];
  return match[1] === "1" ? unit : `${match[1]} ${unit}s`;
}

/** A word as a shell argument: as it is when it is plain, single-quoted otherwise. */
export function quote(word: string): string {
  return /^[\w.:/@-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
