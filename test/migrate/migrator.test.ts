import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { introspectSchema } from "../../src/doctor/introspect-schema.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import {
  migrateDown,
  migrateUp,
  migrationStatus,
  planMigrations,
  repairMigrations,
} from "../../src/migrate/migrator.ts";
import { migrationFolder, twoMigrations } from "../support/fixtures.ts";
import { backend, createTestDatabase, openAnother } from "../support/test-database.ts";

/**
 * The schema without the migrator's own history table, columns by name: PostgreSQL cannot put
 * a re-added column back in its old position, and nothing in Steward depends on that order.
 */
const schemaOf = async (db: Parameters<typeof introspectSchema>[0]) => ({
  tables: (await introspectSchema(db)).tables
    .filter((t) => t.name !== "steward_migrations")
    .map((t) => ({ ...t, columns: [...t.columns].sort((a, b) => a.name.localeCompare(b.name)) })),
});

const tableNames = async (db: Parameters<typeof introspectSchema>[0]) =>
  (await schemaOf(db)).tables.map((t) => t.name);

describe(`migrator on ${backend}`, () => {
  it("applies every shipped migration up → down → up, each down undoing its up exactly", async (t) => {
    const { db } = await createTestDatabase(t);
    const migrations = loadMigrations();
    const snapshots = [await schemaOf(db)];
    for (const migration of migrations) {
      const run = await migrateUp(db, migrations, { to: migration.version });
      assert.equal(run.error, undefined);
      assert.deepEqual(
        run.steps.map((s) => [s.name, s.status]),
        [[migration.name, "done"]],
      );
      snapshots.push(await schemaOf(db));
    }
    for (const migration of [...migrations].reverse()) {
      const run = await migrateDown(db, migrations);
      assert.equal(run.error, undefined);
      assert.deepEqual(
        run.steps.map((s) => [s.name, s.status]),
        [[migration.name, "done"]],
      );
      assert.deepEqual(await schemaOf(db), snapshots[migration.version - 1], `${migration.name} down`);
    }
    const again = await migrateUp(db, migrations);
    assert.equal(again.steps.length, migrations.length);
    assert.deepEqual(await schemaOf(db), snapshots.at(-1));
  });

  it("reports status, plans without changing anything, and migrates down --to a version", async (t) => {
    const { db } = await createTestDatabase(t);
    const migrations = loadMigrations(migrationFolder(twoMigrations));
    let status = await migrationStatus(db, migrations);
    assert.deepEqual(
      status.states.map((s) => s.status),
      ["pending", "pending"],
    );

    const plan = await planMigrations(db, migrations, { direction: "up" });
    assert.deepEqual(
      plan.steps.map((s) => s.name),
      ["0001_widgets", "0002_widget_color"],
    );
    assert.match(plan.steps[0]!.sql, /CREATE TABLE widgets/);
    assert.deepEqual(await tableNames(db), [], "plan changed nothing");

    await migrateUp(db, migrations, { to: 1 });
    status = await migrationStatus(db, migrations);
    assert.deepEqual(
      status.states.map((s) => s.status),
      ["applied", "pending"],
    );
    assert.equal(status.current, false);
    await migrateUp(db, migrations);
    status = await migrationStatus(db, migrations);
    assert.equal(status.current, true);
    assert.ok(status.states.every((s) => s.appliedAt instanceof Date && typeof s.executionMs === "number"));

    const downPlan = await planMigrations(db, migrations, { direction: "down", to: 0 });
    assert.deepEqual(
      downPlan.steps.map((s) => s.name),
      ["0002_widget_color", "0001_widgets"],
    );
    const down = await migrateDown(db, migrations, { to: 0 });
    assert.deepEqual(
      down.steps.map((s) => s.status),
      ["done", "done"],
    );
    assert.deepEqual(await tableNames(db), []);
  });

  it("refuses to migrate when an applied migration's file changed, until repaired", async (t) => {
    const { db } = await createTestDatabase(t);
    await migrateUp(db, loadMigrations(migrationFolder(twoMigrations)), { to: 1 });
    const edited = loadMigrations(
      migrationFolder({
        ...twoMigrations,
        "0001_widgets.up.sql": `-- reformatted\n${twoMigrations["0001_widgets.up.sql"]}`,
      }),
    );
    const refused = await migrateUp(db, edited);
    assert.equal(refused.error?.code, "migration_checksum_mismatch");
    assert.match(
      refused.error!.message,
      /0001_widgets changed after it was applied.*steward migrate repair/s,
    );
    assert.deepEqual(refused.steps, []);
    assert.deepEqual(
      (await migrationStatus(db, edited)).states.map((s) => s.status),
      ["changed", "pending"],
    );

    const accepted = await repairMigrations(db, edited);
    assert.deepEqual(
      accepted.map((s) => s.name),
      ["0001_widgets"],
    );
    const run = await migrateUp(db, edited);
    assert.equal(run.error, undefined);
    assert.deepEqual(
      run.steps.map((s) => s.name),
      ["0002_widget_color"],
    );
  });

  it("refuses a database migrated by a newer Steward", async (t) => {
    const { db } = await createTestDatabase(t);
    await migrateUp(db, loadMigrations(migrationFolder(twoMigrations)));
    const older = loadMigrations(
      migrationFolder({
        "0001_widgets.up.sql": twoMigrations["0001_widgets.up.sql"],
        "0001_widgets.down.sql": "DROP TABLE widgets;",
      }),
    );
    const run = await migrateUp(db, older);
    assert.equal(run.error?.code, "migration_invalid");
    assert.match(run.error!.message, /0002_widget_color applied, which this Steward does not have/);
  });

  it("rolls a failing migration back whole and stops there", async (t) => {
    const { db } = await createTestDatabase(t);
    const migrations = loadMigrations(
      migrationFolder({
        ...twoMigrations,
        "0002_widget_color.up.sql":
          "CREATE TABLE half_done (id int); ALTER TABLE widgets ADD COLUMN nope no_such_type;",
        "0003_after.up.sql": "CREATE TABLE after_failure (id int);",
        "0003_after.down.sql": "DROP TABLE after_failure;",
      }),
    );
    const run = await migrateUp(db, migrations);
    assert.equal(run.error?.code, "migration_failed");
    assert.match(
      run.error!.message,
      /0002_widget_color \(up\) failed and was rolled back: type "no_such_type" does not exist/,
    );
    assert.deepEqual(
      run.steps.map((s) => s.status),
      ["done", "error", "not_run"],
    );
    assert.deepEqual(await tableNames(db), ["widgets"], "no half-applied table remains");
    const status = await migrationStatus(db, migrations);
    assert.deepEqual(
      status.states.map((s) => s.status),
      ["applied", "pending", "pending"],
    );
    await db.query("INSERT INTO widgets (id, name) VALUES (1, 'still usable')");
  });

  it("applies each migration exactly once when several migrators start at once", async (t) => {
    const { db, url } = await createTestDatabase(t);
    const migrations = loadMigrations();
    // On PostgreSQL each migrator has its own pool, as separate processes would;
    // PGlite is one connection, so there the migrators share it.
    const others =
      backend === "postgres"
        ? await Promise.all([openAnother(url), openAnother(url), openAnother(url)])
        : [db, db, db];
    t.after(() => Promise.all(others.filter((o) => o !== db).map((o) => o.close())));
    const runs = await Promise.all([db, ...others].map((d) => migrateUp(d, migrations)));
    assert.ok(runs.every((r) => r.error === undefined));
    const applied = runs.flatMap((r) => r.steps.filter((s) => s.status === "done").map((s) => s.version));
    assert.deepEqual(
      applied.sort((a, b) => a - b),
      migrations.map((m) => m.version),
    );
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM steward_migrations");
    assert.equal(rows[0]!.n, migrations.length);
  });
});
