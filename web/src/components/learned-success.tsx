import type { ModelStatus } from "../model-api.ts";
import {
  capabilityColors,
  capabilityLabel,
  describeCurve,
  describeKindCorrection,
  hasLearned,
  type SuccessCurve,
  shownCurves,
} from "../success-curves.ts";
import { SuccessCurveChart } from "./success-curve-chart.tsx";

/**
 * What the scheduler learned of each model's success, a chart a model: the probability that an
 * attempt succeeds against the task's complexity, per capability, before learning (the prior,
 * from the declared level) and after, with the outcomes it learned from; then the same in words,
 * and the kinds that do better or worse than their capabilities' curves. This is what decides a
 * model's expected cost, and so which model a task gets.
 */
export function LearnedSuccess({ models }: { models: ModelStatus[] }) {
  const colors = capabilityColors(models);
  return (
    <section class="learned-success" data-testid="learned-success">
      <h2>Learned success</h2>
      <p class="muted learned-success-intro">
        The chance that one attempt succeeds, against the task's complexity: p = σ(offset + slope × (level −
        complexity)) for each capability, fitted to the outcomes from the prior that the declared level sets.
        The scheduler prices each model's attempts, and its lateness, by these curves.
      </p>
      <div class="legend curve-key" data-testid="curve-key">
        <span class="legend-item">
          <span class="legend-line legend-prior" /> prior, from the declared level (▲)
        </span>
        <span class="legend-item">
          <span class="legend-line" /> learned
        </span>
        <span class="legend-item">
          <span class="legend-dot" /> observed success at a complexity, larger for more attempts
        </span>
      </div>
      <div class="curve-grid">
        {models.map((model) => (
          <ModelCurves key={model.id} model={model} colors={colors} />
        ))}
      </div>
    </section>
  );
}

function ModelCurves({ model, colors }: { model: ModelStatus; colors: Map<string, string> }) {
  const curves = shownCurves(model);
  const learned = hasLearned(model);
  return (
    <section class="card curve-card" data-testid="curve-card" data-model-id={model.id}>
      <h3 class="mono">{model.id}</h3>
      {!learned && (
        <p class="muted curve-note" data-testid="curve-nothing-learned">
          nothing learned yet: the prior from its declared levels
        </p>
      )}
      <SuccessCurveChart modelId={model.id} curves={curves} colors={colors} />
      <Legend curves={curves} colors={colors} />
      <ul class="curve-lines">
        {curves.map((curve) => (
          <li key={curve.capability} data-testid="curve-line" data-capability={curve.capability}>
            <strong>{capabilityLabel(curve.capability)}</strong>: {describeCurve(curve)}
          </li>
        ))}
      </ul>
      <p class="curve-kinds" data-testid="curve-kinds">
        {model.kindCorrections.length === 0 ? (
          <span class="muted">Kind corrections: none yet</span>
        ) : (
          <>
            Kind corrections:{" "}
            {model.kindCorrections.map((correction, i) => (
              <span key={correction.kind} data-testid="curve-kind" data-kind={correction.kind}>
                {i > 0 && "; "}
                {describeKindCorrection(correction)}
              </span>
            ))}
          </>
        )}
      </p>
    </section>
  );
}

/** The capabilities by colour: the section's key says how each kind of line is drawn. */
function Legend({ curves, colors }: { curves: SuccessCurve[]; colors: Map<string, string> }) {
  return (
    <div class="legend curve-legend" data-testid="curve-legend">
      {curves.map((curve) => (
        <span key={curve.capability} class="legend-item">
          <span class="swatch" style={{ background: colors.get(curve.capability) }} />
          {capabilityLabel(curve.capability)}
        </span>
      ))}
    </div>
  );
}
