import { createDeps } from "../../src/app/create-deps.ts";
import type { Deps } from "../../src/app/deps.ts";
import { type ConfigInput, configSchema } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { ExpectedSchemaCache } from "../../src/doctor/expected-schema.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";

/** One shadow per test file: the expected schema is the same for every test in it. */
const sharedExpectedSchema = new ExpectedSchemaCache();

/** Deps over a test database, with Steward's own migrations (applied unless `migrate: false`). */
export async function testDeps(
  db: Database,
  options: { migrate?: boolean; config?: ConfigInput } = {},
): Promise<Deps> {
  const migrations = loadMigrations();
  if (options.migrate !== false) {
    const run = await migrateUp(db, migrations);
    if (run.error) throw run.error;
  }
  return createDeps({
    config: configSchema.parse(options.config ?? {}),
    db,
    migrations,
    expectedSchema: sharedExpectedSchema,
  });
}
