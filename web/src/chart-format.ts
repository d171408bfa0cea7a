/** How values read on the Operations page's chart axes and legends: short, with their unit. */

import type { IndicatorName, Scope } from "./operations-api.ts";

const trim = (x: number, digits: number) => String(Number(x.toFixed(digits)));

/** 0 ms, 850 ms, 4.2 s, 3.5 min, 1.2 h. */
export function formatAxisMs(ms: number): string {
  if (ms === 0) return "0";
  if (ms < 1_000) return `${trim(ms, ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${trim(ms / 1_000, 1)} s`;
  if (ms < 3_600_000) return `${trim(ms / 60_000, 1)} min`;
  return `${trim(ms / 3_600_000, 1)} h`;
}

/** A share in [0, 1]: 0%, 12%, 2.5%. */
export function formatAxisPercent(share: number): string {
  const percent = share * 100;
  return `${trim(percent, percent !== 0 && Math.abs(percent) < 10 ? 1 : 0)}%`;
}

/** Dollars with enough digits to tell small costs apart: $0.0042, $0.12, $3.50. */
export function formatAxisUsd(usd: number): string {
  if (usd === 0) return "$0";
  return usd < 0.01 ? `$${Number(usd.toPrecision(2))}` : `$${usd.toFixed(2)}`;
}

export function formatAxisCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : trim(n, 1);
}

/** "Implement Ideas", "sim-fast · summarize": a scope's values, for a legend. */
export function scopeLabel(scope: Scope): string {
  return [scope.stage, scope.model, scope.kind].filter((x) => x !== undefined).join(" · ") || "all";
}

/** Each indicator's name in words and how its values read. */
export const indicatorDisplay: Record<IndicatorName, { name: string; format: (value: number) => string }> = {
  duration: { name: "Average duration", format: formatAxisMs },
  error_rate: { name: "Error rate", format: formatAxisPercent },
  retry_ratio: { name: "Retry ratio", format: formatAxisPercent },
  queue_wait: { name: "Queue wait", format: formatAxisMs },
  cost_per_success: { name: "Cost per success", format: formatAxisUsd },
  output_length: { name: "Output length", format: (n) => `${formatAxisCount(n)} tok` },
  trust_inflation: { name: "Trust inflation", format: formatAxisPercent },
  payment_failure_rate: { name: "Payment failure rate", format: formatAxisPercent },
  checkout_conversion: { name: "Checkout conversion", format: formatAxisPercent },
};
