import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { getSystemStatus } from "../../src/app/system-status.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import {
  defaultExpectedSchemasFile,
  ExpectedSchemaCache,
  type ExpectedSchemas,
  replayIntoShadow,
  shippedSchema,
} from "../../src/doctor/expected-schema.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrationFolder, twoMigrations } from "../support/fixtures.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const shipped = loadMigrations();
const file = JSON.parse(readFileSync(defaultExpectedSchemasFile, "utf8")) as ExpectedSchemas;

describe("the expected schema", () => {
  it("of every prefix of the shipped migrations is in the file, and is what a shadow replay gives", async () => {
    assert.equal(file.schemas.length, shipped.length + 1);
    for (let n = 0; n <= shipped.length; n++)
      assert.ok(shippedSchema(file, shipped.slice(0, n)), `prefix ${n}`);
    const middle = shipped.slice(0, 3);
    assert.deepEqual(shippedSchema(file, middle), await replayIntoShadow(middle));
  });

  it("comes from the file without a database for the shipped migrations, and from a shadow otherwise", async (t) => {
    const opened = t.mock.method(PgliteDatabase, "open");
    const cache = new ExpectedSchemaCache();
    const latest = await cache.get(shipped, shipped.length);
    assert.ok(latest.tables.some((table) => table.name === "execution_tasks"));
    await cache.get(shipped, 2);
    assert.equal(opened.mock.callCount(), 0, "no shadow for the shipped migrations");

    const edited = shipped.map((m, i) => (i === 0 ? { ...m, checksum: "edited" } : m));
    assert.equal(shippedSchema(file, edited), null, "an edited migration is not the shipped one");
    const replayed = await cache.get(loadMigrations(migrationFolder(twoMigrations)), 2);
    assert.deepEqual(
      replayed.tables.find((table) => table.name === "widgets")?.columns.map((c) => c.name),
      ["id", "name", "color"],
    );
    assert.equal(opened.mock.callCount(), 1, "one shadow for migrations the file does not know");

    const withoutFile = new ExpectedSchemaCache(path.join(migrationFolder({}), "absent.json"));
    assert.deepEqual(await withoutFile.get(shipped, 1), shippedSchema(file, shipped.slice(0, 1)));
    assert.equal(opened.mock.callCount(), 2, "without the file, it is replayed");
  });
});

describe(`status checks on ${backend}`, () => {
  it("open no database of their own", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = { ...(await testDeps(db)), expectedSchema: new ExpectedSchemaCache() };
    const opened = t.mock.method(PgliteDatabase, "open");
    const status = await getSystemStatus(deps);
    assert.equal(status.schema.status, "clean");
    assert.equal(status.ready, true);
    assert.equal(opened.mock.callCount(), 0);
  });
});
