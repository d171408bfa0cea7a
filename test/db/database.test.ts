import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sqlState } from "../../src/errors.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

describe(`database layer on ${backend}`, () => {
  it("returns the same value shapes on both databases", async (t) => {
    const { db } = await createTestDatabase(t);
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT 9007199254740991::int8 AS big, 1.50::numeric(6,2) AS exact, now() AS at,
              '{"a":[1]}'::jsonb AS doc, ARRAY['x','y']::text[] AS list, NULL::text AS nothing`,
    );
    assert.deepEqual(
      { ...rows[0], at: undefined },
      {
        big: 9007199254740991,
        exact: "1.50",
        at: undefined,
        doc: { a: [1] },
        list: ["x", "y"],
        nothing: null,
      },
    );
    assert.ok(rows[0]!.at instanceof Date);
  });

  it("binds parameters and counts affected rows", async (t) => {
    const { db } = await createTestDatabase(t);
    await db.exec("CREATE TABLE notes (id int PRIMARY KEY, body text)");
    const inserted = await db.query("INSERT INTO notes SELECT g, $1 FROM generate_series(1, 3) g", [
      "it's; DROP TABLE notes",
    ]);
    assert.equal(inserted.rowCount, 3);
    const { rows } = await db.query<{ body: string }>("SELECT body FROM notes WHERE id = $1", [2]);
    assert.equal(rows[0]!.body, "it's; DROP TABLE notes");
  });

  it("commits a transaction that resolves and rolls back one that throws, then keeps working", async (t) => {
    const { db } = await createTestDatabase(t);
    await db.exec("CREATE TABLE notes (id int PRIMARY KEY)");
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO notes VALUES (1)");
    });
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO notes VALUES (2)");
        await tx.query("INSERT INTO notes VALUES (1)"); // duplicate key: the transaction is aborted
      }),
      (error) => sqlState(error) === "23505",
    );
    // On PGlite an aborted transaction left open would fail this with 25P02.
    const { rows } = await db.query<{ id: number }>("SELECT id FROM notes ORDER BY id");
    assert.deepEqual(
      rows.map((r) => r.id),
      [1],
    );
  });

  it("rolls back a script that fails inside its own BEGIN", async (t) => {
    const { db } = await createTestDatabase(t);
    await db.exec("CREATE TABLE notes (id int)");
    await assert.rejects(
      db.exec("BEGIN; INSERT INTO notes VALUES (1); SELECT 1/0;"),
      (error) => sqlState(error) === "22012",
    );
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM notes");
    assert.equal(rows[0]!.n, 0);
  });

  it("keeps concurrent callers' statements out of each other's transactions", async (t) => {
    const { db } = await createTestDatabase(t);
    await db.exec("CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)");
    // Each transaction reads then writes; interleaving would lose increments.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>("SELECT n FROM counter FOR UPDATE");
          await tx.query("UPDATE counter SET n = $1", [rows[0]!.n + 1]);
        }),
      ),
    );
    const { rows } = await db.query<{ n: number }>("SELECT n FROM counter");
    assert.equal(rows[0]!.n, 20);
  });

  it("the description never shows a password", async (t) => {
    const { db } = await createTestDatabase(t);
    assert.doesNotMatch(db.description, /:[^:@/]+@/);
  });
});
