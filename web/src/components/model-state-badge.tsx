import type { ModelState } from "../model-api.ts";

/**
 * Green when it takes work, blue when busy at its concurrency, amber when held back for a
 * while (rate limit, cooldown), red when its budget is spent, grey when switched off.
 */
const tone: Record<ModelState, string> = {
  available: "ok",
  "at concurrency limit": "busy",
  "at rate limit": "held",
  "cooling down": "held",
  "budget spent": "bad",
  disabled: "off",
};

export function ModelStateBadge({ state }: { state: ModelState }) {
  return (
    <span class={`badge model-state-${tone[state]}`} data-testid="model-state">
      {state}
    </span>
  );
}
