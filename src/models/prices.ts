import type { ModelConfig, Price, PriceTable } from "./model-config.ts";

/**
 * The price of a model at a moment: its inline price if it has one (source "inline"), otherwise
 * its entry (`provider/model`) in the newest price table in effect then (source: that table's
 * version). A newer table that does not list the model does not hide an older one that does: a
 * table may cover only some providers. Null when nothing prices it.
 *
 * `effectiveFrom` is a calendar date, taken as the start of that day in UTC.
 */
export function resolvePrice(
  model: ModelConfig,
  tables: readonly PriceTable[],
  at: Date,
): { price: Price; source: string } | null {
  if (model.price !== undefined) return { price: model.price, source: "inline" };
  const key = `${model.provider}/${model.model}`;
  const moment = at.getTime();
  let best: { table: PriceTable; from: number; price: Price } | undefined;
  for (const table of tables) {
    const from = Date.parse(`${table.effectiveFrom}T00:00:00Z`);
    const price = Object.hasOwn(table.prices, key) ? table.prices[key] : undefined;
    if (price === undefined || Number.isNaN(from) || from > moment) continue;
    // Two tables from the same day: the later in the list wins, as a later edit would.
    if (best === undefined || from >= best.from) best = { table, from, price };
  }
  return best === undefined ? null : { price: best.price, source: best.table.version };
}

/**
 * The cost of a call in US dollars, rounded to 8 decimals as the database stores it
 * (numeric(18,8)), so that a sum in memory equals the sum of stored rows.
 */
export function costUsd(price: Price, inputTokens: number, outputTokens: number): number {
  const cost = (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000;
  return roundTo8(cost);
}

/**
 * Half away from zero at the 8th decimal, like PostgreSQL's numeric rounding. Scaling by 1e8
 * alone misrounds halves that floating point computes a hair low ($0.145/M for one token is
 * 14.499999999999998e-8, which Math.round takes to 14), so the value is first nudged up by one
 * unit of its own rounding error.
 */
function roundTo8(value: number): number {
  const scaled = value * 1e8;
  const rounded = Math.round(Math.abs(scaled) * (1 + Number.EPSILON)) * Math.sign(scaled);
  return rounded / 1e8;
}
