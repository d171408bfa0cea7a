import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type LedgerSum, ledgerSums } from "../../src/money/ledger-sums.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const day = 86_400_000;
// From mid-November over two month ends, so that whole months come from the monthly sums.
const start = Date.UTC(2026, 10, 12);

describe(`the ledger's daily sums on ${backend}`, () => {
  it("sum to what the entries sum to, for any period, after entries are added and removed", async (t) => {
    const { db } = await createTestDatabase(t);
    await testDeps(db);
    // 3,000 entries over 80 days, some exactly at midnight, with and without idea, stream, model.
    const insert = (from: number, to: number) =>
      db.query(
        `INSERT INTO money_entries (source, source_id, type, amount_minor, currency, occurred_at, idea, stream, model, livemode)
         SELECT 'stripe', 'sums:' || i, (ARRAY['revenue','refund','fee','expense','ai_usage'])[1 + i % 5],
                CASE WHEN i % 5 = 0 THEN 100 + i ELSE -(10 + i % 97) END,
                (ARRAY['usd','eur','jpy'])[1 + i % 3],
                to_timestamp($3 / 1000.0) + CASE WHEN i % 17 = 0 THEN (i % 80) * interval '1 day'
                                                  ELSE ((i * 7919) % 6912000) * interval '1 second' END,
                CASE WHEN i % 4 = 0 THEN NULL ELSE 'idea-' || i % 6 END,
                CASE WHEN i % 3 = 0 THEN 'stream-' || i % 2 END,
                CASE WHEN i % 5 = 4 THEN 'model-' || i % 3 END,
                i % 11 <> 0
         FROM generate_series($1::int, $2::int) i`,
        [from, to, start],
      );
    await insert(0, 1999);
    await db.query("DELETE FROM money_entries WHERE (substring(source_id from 6))::int % 3 = 0");
    await insert(2000, 2999);
    await db.query(
      "DELETE FROM money_entries WHERE (substring(source_id from 6))::int BETWEEN 2500 AND 2600",
    );
    const { rows: empty } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM money_sums WHERE entries <= 0",
    );
    assert.equal(empty[0]!.n, 0, "no day left without entries");

    const key = (s: LedgerSum) =>
      `${s.day ?? ""}|${s.idea}|${s.stream}|${s.model}|${s.currency}|${s.type}|${s.amount}|${s.entries}`;
    const direct = async (since: Date, until: Date, mode: string, byDay: boolean) => {
      const { rows } = await db.query<LedgerSum>(
        `SELECT ${byDay ? "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" : "NULL"} AS day, idea, stream, model, currency, type,
                sum(amount_minor)::float8 AS amount, count(*)::float8 AS entries
         FROM money_entries WHERE occurred_at >= $1 AND occurred_at < $2 AND ($3::text = 'all' OR livemode = ($3::text = 'live'))
         GROUP BY 1, 2, 3, 4, 5, 6`,
        [since, until, mode],
      );
      return rows.map((r) => key(byDay ? r : { ...r, day: undefined })).sort();
    };
    // Bounds anywhere in the 80 days (and beyond), whole hours, midnights or months' starts, in any mode.
    const instant = fc.oneof(
      fc.integer({ min: -2, max: 82 }).map((d) => start + d * day),
      fc.constantFrom(Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1), Date.UTC(2027, 1, 1)),
      fc.integer({ min: -48, max: 82 * 24 }).map((h) => start + h * 3_600_000 + 1_234),
    );
    await fc.assert(
      fc.asyncProperty(
        instant,
        instant,
        fc.constantFrom("live", "test", "all"),
        fc.boolean(),
        async (a, b, mode, byDay) => {
          const [since, until] = [new Date(Math.min(a, b)), new Date(Math.max(a, b) + 1)];
          const sums = await ledgerSums(db, { since, until, mode: mode as "live", byDay });
          assert.deepEqual(sums.map((s) => key(s)).sort(), await direct(since, until, mode, byDay));
        },
      ),
      { numRuns: backend === "pglite" ? 60 : 100 },
    );
  });
});
