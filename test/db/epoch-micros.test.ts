import assert from "node:assert/strict";
import { test } from "node:test";
import { epochMicros } from "../../src/db/epoch-micros.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

test("reads timestamps as PostgreSQL writes them in JSON, to the microsecond", () => {
  const base = Date.parse("2026-12-03T10:00:00Z") * 1000;
  assert.equal(epochMicros("2026-12-03T10:00:00+00:00"), base);
  assert.equal(epochMicros("2026-12-03T10:00:00.123456+00:00"), base + 123_456);
  assert.equal(epochMicros("2026-12-03T10:00:00.5+00:00"), base + 500_000);
  assert.equal(epochMicros("2026-12-03T15:30:00.000001+05:30"), base + 1);
  assert.equal(epochMicros("1969-12-31T23:59:59.25+00:00"), -750_000);
  assert.ok(Number.isNaN(epochMicros("infinity")));
});

test(`agrees with the database's own microseconds, in any session time zone, on ${backend}`, async (t) => {
  const { db } = await createTestDatabase(t);
  for (const [zone, offset] of [
    ["UTC", "+00:00"],
    ["Asia/Kolkata", "+05:30"],
    ["America/St_Johns", "-0"],
  ] as const) {
    // The zone set for this statement alone (its transaction), on whichever connection runs it.
    const { rows } = await db.query<{ json: string; us: string[] }>(
      `WITH zone AS MATERIALIZED (SELECT set_config('TimeZone', $1, true))
       SELECT json_agg(v)::text AS json, array_agg((extract(epoch FROM v) * 1000000)::bigint::text) AS us
         FROM zone, unnest(ARRAY[now(), timestamptz '2026-06-01 12:00:00.000001Z', timestamptz '1999-12-31 23:59:59.999999Z',
                                 now() - interval '3 days 0.000007 seconds']) AS x(v)`,
      [zone],
    );
    const texts = JSON.parse(rows[0]!.json) as string[];
    assert.ok(texts[1]!.includes(offset), `written in ${zone}: ${texts[1]}`);
    assert.deepEqual(texts.map(epochMicros), rows[0]!.us.map(Number), `${zone}: ${texts.join(", ")}`);
  }
});
