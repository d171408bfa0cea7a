import type { Queryable } from "../db/database.ts";

/**
 * AI usage in the ledger: what the tasks' attempts cost, per day, model and idea, from the daily
 * rollups the workers keep (task_rollups, idea_rollups). One entry per day, model and idea,
 * `ai_usage:<day>:<model>:<idea key | none>`, negative, in US cents (the aggregate's cost rounded
 * to the cent: the rollups keep it to 1e-8 dollars), attributed to the idea and to the idea's
 * income stream. Derived again from the rollups each time, whole for the days from `since` (all
 * days without it): recomputing never counts a cost twice, and a day still running is corrected
 * as its rollups grow. Past days' rollups no longer change, so the workers' step derives the
 * last two days each minute and the whole history once when it starts.
 */
export async function syncAiUsageEntries(db: Queryable, since?: Date): Promise<number> {
  await db.query(
    "DELETE FROM money_entries WHERE source = 'ai_usage' AND ($1::timestamptz IS NULL OR occurred_at >= $1)",
    [since ?? null],
  );
  const { rowCount } = await db.query(
    `WITH by_idea AS (
       SELECT r.bucket_start AS day, r.model, r.idea_id, sum(r.cost_usd) AS cost
       FROM idea_rollups r
       WHERE r.grain = 'day' AND r.model <> '' AND ($1::timestamptz IS NULL OR r.bucket_start >= $1)
       GROUP BY 1, 2, 3
     ), all_tasks AS (
       SELECT r.bucket_start AS day, r.model, sum(r.cost_usd) AS cost
       FROM task_rollups r
       WHERE r.grain = 'day' AND r.model <> '' AND ($1::timestamptz IS NULL OR r.bucket_start >= $1)
       GROUP BY 1, 2
     ), spend AS (
       SELECT b.day, b.model, coalesce(i.key, 'idea-' || b.idea_id) AS idea, i.income_stream AS stream, b.cost
       FROM by_idea b LEFT JOIN ideas i ON i.id = b.idea_id
       UNION ALL
       -- What no idea accounts for: the tasks without one.
       SELECT a.day, a.model, NULL, NULL,
              a.cost - coalesce((SELECT sum(b.cost) FROM by_idea b WHERE b.day = a.day AND b.model = a.model), 0)
       FROM all_tasks a
     )
     INSERT INTO money_entries (source, source_id, type, amount_minor, currency, occurred_at, idea, stream, model, livemode)
     SELECT 'ai_usage', 'ai_usage:' || to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ':' || model || ':' || coalesce(idea, 'none'),
            'ai_usage', -round(cost * 100)::bigint, 'usd', day, idea, stream, model, true
     FROM spend WHERE round(cost * 100) > 0`,
    [since ?? null],
  );
  return rowCount ?? 0;
}
