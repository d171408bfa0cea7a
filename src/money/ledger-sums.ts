import type { Queryable } from "../db/database.ts";
import type { CurrencyTotals, LedgerMode } from "./ledger.ts";

/** The ledger summed over a period by currency, type, idea, stream and model (and day, when asked). */
export interface LedgerSum {
  day?: string;
  idea: string | null;
  stream: string | null;
  model: string | null;
  currency: string;
  type: string;
  amount: number;
  entries: number;
}

const dayMs = 86_400_000;

/**
 * Sums of the ledger's entries that occurred in [since, until): the whole months inside the period
 * from the monthly sums the triggers keep (money_sums, migration 0016), the whole days around
 * them from the daily sums, and the partial first and last days from the entries themselves. So
 * the cost is that of the months and days, not of the entries, and the answer is the same as
 * summing every entry (a property test holds them equal). By day, no months are used.
 */
export async function ledgerSums(
  db: Queryable,
  query: {
    since: Date;
    until: Date;
    mode: LedgerMode;
    byDay?: boolean;
    /** The attributes to keep apart (default all three); the others are summed over and null. */
    keys?: readonly ("idea" | "stream" | "model")[];
  },
): Promise<LedgerSum[]> {
  const keys = new Set(query.keys ?? ["idea", "stream", "model"]);
  const kept = (name: "idea" | "stream" | "model") => (keys.has(name) ? `nullif(${name}, '')` : "NULL::text");
  const firstDay = new Date(Math.ceil(query.since.getTime() / dayMs) * dayMs);
  const lastDay = new Date(Math.floor(query.until.getTime() / dayMs) * dayMs);
  const whole = firstDay < lastDay;
  let months = [lastDay, lastDay];
  if (whole && !query.byDay) {
    const firstMonth =
      startOfMonth(firstDay).getTime() === firstDay.getTime() ? firstDay : nextMonth(firstDay);
    const lastMonth = startOfMonth(lastDay);
    if (firstMonth < lastMonth) months = [firstMonth, lastMonth];
  }
  const [m1, m2] = months[0]! < months[1]! ? months : [lastDay, lastDay];
  // Days: before the months and after them (all of [firstDay, lastDay) when there are none).
  const days = m1! < m2! ? [firstDay, m1!, m2!, lastDay] : [firstDay, lastDay, lastDay, lastDay];
  const day = query.byDay ? "day" : "NULL::text";
  // Two ranges of the time index when whole days come from the sums; the period itself otherwise.
  const edges = whole
    ? "((e.occurred_at >= $1 AND e.occurred_at < $4) OR (e.occurred_at >= $7 AND e.occurred_at < $2))"
    : "(e.occurred_at >= $1 AND e.occurred_at < $2)";
  const { rows } = await db.query<LedgerSum & { day: string | null }>(
    `WITH parts AS (
       SELECT to_char(s.bucket, 'YYYY-MM-DD') AS day, s.currency, s.type, s.idea, s.stream, s.model, s.amount, s.entries
       FROM money_sums s
       WHERE $3::boolean AND ($8::text = 'all' OR s.livemode = ($8::text = 'live'))
         AND ((s.grain = 'day' AND ((s.bucket >= $4::date AND s.bucket < $5::date) OR (s.bucket >= $6::date AND s.bucket < $7::date)))
              OR (s.grain = 'month' AND s.bucket >= $5::date AND s.bucket < $6::date))
       UNION ALL
       SELECT to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), e.currency, e.type, coalesce(e.idea, ''),
              coalesce(e.stream, ''), coalesce(e.model, ''), e.amount_minor, 1
       FROM money_entries e
       WHERE ($8::text = 'all' OR e.livemode = ($8::text = 'live'))
         AND ${edges}
     )
     SELECT ${day} AS day, ${kept("idea")} AS idea, ${kept("stream")} AS stream, ${kept("model")} AS model,
            currency, type, sum(amount)::float8 AS amount, sum(entries)::float8 AS entries
     FROM parts GROUP BY 1, 2, 3, 4, 5, 6`,
    [query.since, query.until, whole, days[0], days[1], days[2], days[3], query.mode],
  );
  return rows.map(({ day: d, ...rest }) => (query.byDay ? { day: d!, ...rest } : rest));
}

const startOfMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));

/** Sums folded into totals per currency (the same as ledger.ts's ledgerTotals over the same entries). */
export function currencyTotalsOf(sums: LedgerSum[]): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  const field: Record<string, keyof CurrencyTotals> = {
    revenue: "revenue",
    refund: "refunds",
    dispute: "disputes",
    dispute_reversal: "disputeReversals",
    fee: "fees",
    expense: "expenses",
    ai_usage: "aiUsage",
  };
  for (const s of sums) {
    const t = totals.get(s.currency) ?? {
      currency: s.currency,
      entries: 0,
      revenue: 0,
      refunds: 0,
      disputes: 0,
      disputeReversals: 0,
      fees: 0,
      expenses: 0,
      aiUsage: 0,
      net: 0,
      unattributedRevenue: 0,
    };
    const f = field[s.type];
    if (f) (t[f] as number) += s.amount;
    t.entries += s.entries;
    t.net += s.amount;
    if (s.type === "revenue" && s.idea === null) t.unattributedRevenue += s.amount;
    totals.set(s.currency, t);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
