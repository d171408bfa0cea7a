import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrationFolder, twoMigrations } from "../support/fixtures.ts";

describe("migration files", () => {
  it("every shipped migration has an up and a down, numbered from 1 without gaps", () => {
    const migrations = loadMigrations();
    assert.ok(migrations.length >= 2);
    migrations.forEach((m, index) => {
      assert.equal(m.version, index + 1);
      assert.match(m.name, /^\d{4}_[a-z0-9_]+$/);
      assert.ok(m.up.trim().length > 0, `${m.name} up is empty`);
      assert.ok(m.down.trim().length > 0, `${m.name} down is empty`);
      assert.match(m.checksum, /^[0-9a-f]{64}$/);
    });
  });

  it("refuses a migration without a down, naming it", () => {
    const dir = migrationFolder({ "0001_a.up.sql": "SELECT 1;" });
    assert.throws(
      () => loadMigrations(dir),
      (error) =>
        isStewardError(error, "migration_invalid") && /0001_a has no 0001_a\.down\.sql/.test(error.message),
    );
  });

  it("refuses gaps, bad names and two names for one version", () => {
    const gap = migrationFolder({
      "0001_a.up.sql": "SELECT 1;",
      "0001_a.down.sql": "SELECT 1;",
      "0003_c.up.sql": "SELECT 1;",
      "0003_c.down.sql": "SELECT 1;",
    });
    assert.throws(() => loadMigrations(gap), /0003_c should be numbered 0002/);
    assert.throws(() => loadMigrations(migrationFolder({ "1_a.sql": "SELECT 1;" })), /1_a\.sql is not named/);
    const clash = migrationFolder({ ...twoMigrations, "0002_other.up.sql": "SELECT 1;" });
    assert.throws(() => loadMigrations(clash), /share version 2/);
  });

  it("checksums ignore line-ending style but nothing else", () => {
    const unix = loadMigrations(migrationFolder(twoMigrations));
    const windows = loadMigrations(
      migrationFolder({
        ...twoMigrations,
        "0001_widgets.up.sql": twoMigrations["0001_widgets.up.sql"].replace(/\n/g, "\r\n"),
      }),
    );
    assert.equal(unix[0]!.checksum, windows[0]!.checksum);
    const edited = loadMigrations(
      migrationFolder({
        ...twoMigrations,
        "0001_widgets.up.sql": `${twoMigrations["0001_widgets.up.sql"]} -- note`,
      }),
    );
    assert.notEqual(unix[0]!.checksum, edited[0]!.checksum);
  });
});
