import { PgliteDatabase } from "../db/pglite-database.ts";
import type { Migration } from "../migrate/migration-files.ts";
import { migrateUp } from "../migrate/migrator.ts";
import { introspectSchema } from "./introspect-schema.ts";
import type { SchemaSnapshot } from "./schema-snapshot.ts";

/**
 * The schema that a set of migrations produces, found by replaying them into a throwaway
 * in-memory PGlite (a shadow database, as Prisma and Atlas do with a dev database).
 * A shadow costs a second or two and a few hundred MB while it lives, so it is closed at
 * once and its result kept: the migration files do not change while Steward runs.
 */
export class ExpectedSchemaCache {
  readonly #cache = new Map<string, Promise<SchemaSnapshot>>();

  /** The schema after applying `migrations` whose version is ≤ `upTo`. */
  get(migrations: Migration[], upTo: number): Promise<SchemaSnapshot> {
    const relevant = migrations.filter((m) => m.version <= upTo);
    const key = relevant.map((m) => `${m.version}:${m.checksum}`).join(",");
    let snapshot = this.#cache.get(key);
    if (snapshot === undefined) {
      snapshot = replayIntoShadow(relevant);
      snapshot.catch(() => this.#cache.delete(key));
      this.#cache.set(key, snapshot);
    }
    return snapshot;
  }
}

export async function replayIntoShadow(migrations: Migration[]): Promise<SchemaSnapshot> {
  const shadow = await PgliteDatabase.open(null);
  try {
    const run = await migrateUp(shadow, migrations);
    if (run.error) throw run.error;
    return await introspectSchema(shadow);
  } finally {
    await shadow.close();
  }
}
