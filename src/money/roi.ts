import type { Queryable } from "../db/database.ts";
import type { LedgerMode } from "./ledger.ts";
import { type LedgerSum, ledgerSums } from "./ledger-sums.ts";
import { type MoneyConfig, toReportingMinor } from "./money-config.ts";

/**
 * Return on investment per idea, stream or model over a period, from the ledger (docs/money.md,
 * "ROI"):
 *   revenue = net revenue: revenue + refunds + dispute losses and reversals + Stripe fees (signed)
 *   cost    = expenses + AI spend
 *   ROI     = (revenue − cost) ÷ cost, undefined when there is no cost.
 * Each currency is its own row: revenue in euros and AI spend in dollars are never set against
 * each other, except in the converted rows, through the rates the configuration supplies.
 *
 * An entry's idea is its metadata's idea, resolved to the idea's key when it names one (by key
 * or by id); its stream is the entry's own, else its idea's `income_stream`. By model, an idea's
 * revenue is shared among the models in proportion to what its tasks spent on each in the period
 * (revenue of ideas that spent nothing on models, and unattributed revenue, is under no model);
 * a model's cost is what was spent on it.
 */

export type RoiDimension = "idea" | "stream" | "model";

export interface RoiRow {
  /** The idea, stream or model; null: unattributed (or, by model, no model). */
  key: string | null;
  currency: string;
  grossRevenue: number;
  refunds: number;
  disputes: number;
  fees: number;
  /** Net revenue: the four above, signed and summed. */
  revenue: number;
  expenses: number;
  aiSpend: number;
  cost: number;
  profit: number;
  roi: number | null;
}

export interface RoiAnswer {
  by: RoiDimension;
  since: string;
  until: string;
  mode: LedgerMode;
  /** Per key and currency. */
  rows: RoiRow[];
  /** Per key, in the reporting currency, through the configured rates (none configured: only currencies needing none). */
  converted: { currency: string; rows: RoiRow[]; missingRates: string[] };
}

type Aggregate = Omit<LedgerSum, "day" | "entries">;

/**
 * The ledger summed by idea, stream, model, currency and type over a period (ledger-sums.ts),
 * each idea resolved to its key (metadata may name it by key or by id) and given its income
 * stream where the entry has none.
 */
async function aggregates(
  db: Queryable,
  query: { since: Date; until: Date; mode: LedgerMode; by: RoiDimension },
): Promise<Aggregate[]> {
  // The idea always (a stream falls back to its idea's, a model's revenue is shared by idea).
  const keys = query.by === "idea" ? (["idea"] as const) : (["idea", query.by] as const);
  const sums = await ledgerSums(db, { ...query, keys });
  const named = [...new Set(sums.map((s) => s.idea).filter((i): i is string => i !== null))];
  const { rows: ideas } = named.length
    ? await db.query<{ id: string; key: string; income_stream: string | null }>(
        `SELECT id::text AS id, key, income_stream FROM ideas
         WHERE key = ANY($1::text[]) OR id::text = ANY($1::text[])`,
        [named],
      )
    : { rows: [] };
  const byKey = new Map(ideas.map((i) => [i.key, i]));
  const byId = new Map(ideas.map((i) => [i.id, i]));
  return sums.map((s) => {
    const idea = s.idea === null ? undefined : (byKey.get(s.idea) ?? byId.get(s.idea));
    return {
      idea: idea?.key ?? s.idea,
      stream: s.stream ?? idea?.income_stream ?? null,
      model: s.model,
      currency: s.currency,
      type: s.type,
      amount: s.amount,
    };
  });
}

export async function roiOf(
  db: Queryable,
  config: MoneyConfig,
  query: { by: RoiDimension; since: Date; until: Date; mode: LedgerMode },
): Promise<RoiAnswer> {
  const sums = await aggregates(db, query);
  const shares = query.by === "model" ? sharedByModel(sums) : sums.map((s) => ({ ...s, key: s[query.by] }));
  const rows = rowsOf(shares);
  const missing = new Set<string>();
  const converted = rowsOf(
    shares.flatMap((s) => {
      const amount = toReportingMinor(config, s.currency, s.amount);
      if (amount === undefined) {
        missing.add(s.currency);
        return [];
      }
      return [{ ...s, currency: config.reportingCurrency, amount }];
    }),
  );
  return {
    by: query.by,
    since: query.since.toISOString(),
    until: query.until.toISOString(),
    mode: query.mode,
    rows,
    converted: { currency: config.reportingCurrency, rows: converted, missingRates: [...missing].sort() },
  };
}

/**
 * By model: each idea's non-AI amounts shared among the models its tasks spent on, in
 * proportion to that spend (per idea, across currencies of spend: AI spend is in dollars).
 */
function sharedByModel(sums: Aggregate[]): (Aggregate & { key: string | null })[] {
  const spendByIdea = new Map<string | null, Map<string, number>>();
  for (const s of sums)
    if (s.type === "ai_usage" && s.model) {
      const models = spendByIdea.get(s.idea) ?? new Map<string, number>();
      models.set(s.model, (models.get(s.model) ?? 0) - s.amount);
      spendByIdea.set(s.idea, models);
    }
  return sums.flatMap((s) => {
    if (s.type === "ai_usage") return [{ ...s, key: s.model }];
    const models = s.idea === null ? undefined : spendByIdea.get(s.idea);
    const total = models ? [...models.values()].reduce((a, b) => a + b, 0) : 0;
    if (!models || total <= 0) return [{ ...s, key: null }];
    return [...models].map(([model, spent]) => ({ ...s, key: model, amount: (s.amount * spent) / total }));
  });
}

function rowsOf(shares: (Aggregate & { key: string | null })[]): RoiRow[] {
  const rows = new Map<string, RoiRow>();
  for (const s of shares) {
    const id = `${s.key ?? "\u0000"}\u0001${s.currency}`;
    const row = rows.get(id) ?? emptyRow(s.key, s.currency);
    if (s.type === "revenue") row.grossRevenue += s.amount;
    else if (s.type === "refund") row.refunds += s.amount;
    else if (s.type === "dispute" || s.type === "dispute_reversal") row.disputes += s.amount;
    else if (s.type === "fee") row.fees += s.amount;
    else if (s.type === "expense") row.expenses -= s.amount;
    else if (s.type === "ai_usage") row.aiSpend -= s.amount;
    rows.set(id, row);
  }
  return [...rows.values()]
    .map((r) => {
      const round = (n: number) => Math.round(n);
      const revenue = round(r.grossRevenue + r.refunds + r.disputes + r.fees);
      const cost = round(r.expenses + r.aiSpend);
      return {
        ...r,
        grossRevenue: round(r.grossRevenue),
        refunds: round(r.refunds),
        disputes: round(r.disputes),
        fees: round(r.fees),
        expenses: round(r.expenses),
        aiSpend: round(r.aiSpend),
        revenue,
        cost,
        profit: revenue - cost,
        roi: cost > 0 ? (revenue - cost) / cost : null,
      };
    })
    .sort(
      (a, b) =>
        b.revenue - a.revenue ||
        String(a.key).localeCompare(String(b.key)) ||
        a.currency.localeCompare(b.currency),
    );
}

function emptyRow(key: string | null, currency: string): RoiRow {
  return {
    key,
    currency,
    grossRevenue: 0,
    refunds: 0,
    disputes: 0,
    fees: 0,
    revenue: 0,
    expenses: 0,
    aiSpend: 0,
    cost: 0,
    profit: 0,
    roi: null,
  };
}
