import type { Queryable } from "../db/database.ts";
import type { EntryType } from "./payment-ledger.ts";

/** Which of Stripe's modes money is read from: live only, test only, or both. */
export type LedgerMode = "live" | "test" | "all";

export interface LedgerRow {
  sourceId: string;
  source: "stripe" | "expense" | "ai_usage";
  type: EntryType;
  amountMinor: number;
  currency: string;
  occurredAt: string;
  idea: string | null;
  stream: string | null;
  stripeObject: string | null;
  customer: string | null;
  /** For AI usage: the model that spent it. */
  model: string | null;
  livemode: boolean;
}

export interface LedgerQuery {
  /** Entries that occurred at or after this instant. */
  since?: Date;
  /** Entries that occurred before this instant. */
  until?: Date;
  /** Entries attributed to this idea; `unattributed` for those attributed to none. */
  idea?: string;
  mode?: LedgerMode;
  limit?: number;
}

const modeFilter = `($3::text = 'all' OR livemode = ($3::text = 'live'))`;
const untilFilter = `($4::timestamptz IS NULL OR occurred_at < $4)`;
const ideaFilter = `($2::text IS NULL OR idea = $2 OR ($2 = 'unattributed' AND idea IS NULL))`;

/** The ledger's entries, oldest first (then by source id), as stored. */
export async function listLedger(db: Queryable, query: LedgerQuery = {}): Promise<LedgerRow[]> {
  const { rows } = await db.query<{ answer: string | null }>(
    `SELECT json_agg(json_build_object(
              'sourceId', source_id, 'source', source, 'type', type, 'amountMinor', amount_minor,
              'currency', currency, 'occurredAt', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'idea', idea, 'stream', stream, 'stripeObject', stripe_object, 'customer', customer, 'model', model,
              'livemode', livemode) ORDER BY occurred_at, source_id)::text AS answer
     FROM (SELECT * FROM money_entries
           WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ${untilFilter} AND ${ideaFilter} AND ${modeFilter}
           ORDER BY occurred_at, source_id LIMIT $5) e`,
    [
      query.since ?? null,
      query.idea ?? null,
      query.mode ?? "live",
      query.until ?? null,
      query.limit ?? 10_000,
    ],
  );
  return JSON.parse(rows[0]?.answer ?? "[]") as LedgerRow[];
}

/** One currency's sums, in its minor unit. Currencies are never added together. */
export interface CurrencyTotals {
  currency: string;
  entries: number;
  revenue: number;
  refunds: number;
  disputes: number;
  disputeReversals: number;
  fees: number;
  expenses: number;
  aiUsage: number;
  /** Everything signed, summed: revenue less refunds, dispute losses, fees, expenses, AI usage. */
  net: number;
  /** Revenue with no idea attributed. */
  unattributedRevenue: number;
}

/** The ledger's sums per currency, over the same entries `listLedger` would list. */
export async function ledgerTotals(
  db: Queryable,
  query: Omit<LedgerQuery, "limit"> = {},
): Promise<CurrencyTotals[]> {
  const { rows } = await db.query<CurrencyTotals>(
    `SELECT currency, count(*)::int AS entries,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'revenue'), 0)::float8 AS revenue,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'refund'), 0)::float8 AS refunds,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'dispute'), 0)::float8 AS disputes,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'dispute_reversal'), 0)::float8 AS "disputeReversals",
            coalesce(sum(amount_minor) FILTER (WHERE type = 'fee'), 0)::float8 AS fees,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'expense'), 0)::float8 AS expenses,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'ai_usage'), 0)::float8 AS "aiUsage",
            coalesce(sum(amount_minor), 0)::float8 AS net,
            coalesce(sum(amount_minor) FILTER (WHERE type = 'revenue' AND idea IS NULL), 0)::float8 AS "unattributedRevenue"
     FROM money_entries
     WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ${untilFilter} AND ${ideaFilter} AND ${modeFilter}
     GROUP BY currency ORDER BY currency`,
    [query.since ?? null, query.idea ?? null, query.mode ?? "live", query.until ?? null],
  );
  return rows;
}

/** The mode money is read in when a request names none: live only, unless test events are counted. */
export function defaultLedgerMode(config: { testEvents: "apart" | "counted" }): LedgerMode {
  return config.testEvents === "counted" ? "all" : "live";
}
