import type { ModelStatus } from "../models/model-status.ts";
import { anyCapability, curveSuccess, priorCurve } from "../scheduler/success-curve.ts";
import { renderTable } from "./render-table.ts";
import type { Jsonified } from "./steward-client.ts";

type Model = Jsonified<ModelStatus>;

/**
 * `steward models curves`: what the scheduler learned of each model's success. One row a model
 * and capability: its declared level, the chance an attempt succeeds at that level (a task whose
 * complexity is the level) and how fast it falls per level of complexity above it (the slope, in
 * log-odds), each learned and as the prior had it, and the attempts behind them. A model with
 * nothing learned shows the prior at each declared level, as the scheduler judges its first tasks.
 * Then the kinds that succeed more or less often than their capabilities' curves say.
 */
export function renderCurves(models: Model[], width?: number): string {
  const rows: (string | number)[][] = [];
  const unlearned: string[] = [];
  for (const model of models) {
    const curves = model.successCurves.filter((c) => c.attempts > 0);
    if (curves.length === 0) {
      unlearned.push(model.id);
      for (const [capability, level] of declaredLevels(model))
        rows.push([
          model.id,
          capability,
          level,
          "—",
          percent(curveSuccess(priorCurve, 0)),
          "—",
          slope(priorCurve.slope),
          0,
          0,
        ]);
      continue;
    }
    for (const curve of curves)
      rows.push([
        model.id,
        curve.capability,
        round(curve.level),
        percent(curveSuccess(curve.learned, 0)),
        percent(curveSuccess(curve.prior, 0)),
        slope(curve.learned.slope),
        slope(curve.prior.slope),
        curve.attempts,
        curve.successes,
      ]);
  }
  const lines = [
    renderTable(
      ["model", "capability", "level", "at level", "prior", "slope", "prior slope", "attempts", "succeeded"],
      rows,
      { width },
    ),
  ];
  if (unlearned.length > 0)
    lines.push(`\n${unlearned.join(", ")}: nothing learned yet; the prior from the declared levels.`);
  if (models.some((m) => m.successCurves.some((c) => c.capability === anyCapability)))
    lines.push(`Capability ${anyCapability}: tasks that require none, judged on the mean declared level.`);
  lines.push(
    "At level: the chance that one attempt succeeds on a task as complex as the model's level; slope: how",
    "fast it falls as tasks get harder, in log-odds per level (p = σ(offset + slope × (level − complexity))).",
  );
  const corrections = models.flatMap((m) => m.kindCorrections.map((k) => ({ model: m.id, ...k })));
  lines.push("", "Kind corrections (log-odds added to the curves for a kind that does better or worse)");
  lines.push(
    corrections.length === 0
      ? "  none yet: a kind is corrected once it shares a capability with another and differs from it"
      : renderTable(
          ["model", "kind", "log-odds", "attempts"],
          corrections.map((k) => [k.model, k.kind, signed(k.logOdds, 2), k.attempts]),
          { width },
        ),
  );
  return lines.join("\n");
}

/** The capabilities a model declares (level ≥ 1), or "*" at 5 when it declares none. */
function declaredLevels(model: Model): [string, number][] {
  const declared = Object.entries(model.capabilities)
    .filter(([, level]) => level >= 1)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return declared.length > 0 ? declared : [[anyCapability, 5]];
}

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function slope(x: number): string {
  return x.toFixed(2);
}

function round(x: number): number {
  return Number(x.toFixed(1));
}

/** "+0.40", "−0.40": a correction with its sign, a true minus. */
export function signed(x: number, digits: number): string {
  const text = Math.abs(x).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${x < 0 ? "−" : "+"}${text}`;
}
