import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PgliteDatabase } from "../db/pglite-database.ts";
import type { Migration } from "../migrate/migration-files.ts";
import { migrateUp } from "../migrate/migrator.ts";
import { introspectSchema } from "./introspect-schema.ts";
import type { SchemaSnapshot, TableShape } from "./schema-snapshot.ts";

/**
 * The schema that a set of migrations produces. For the migrations Steward ships it is read from
 * migrations/expected-schemas.json, written by `npm run schema:dump` (a test fails while it is
 * stale): one schema per prefix of the migrations, since the doctor compares a database with the
 * migrations it has applied, which may be fewer than those shipped. Any other set of migrations
 * (an edited file, a test's own) is replayed into a throwaway in-memory PGlite, a shadow database
 * as Prisma and Atlas use, closed as soon as its catalog is read.
 *
 * Why not always a shadow: a live PGlite costs a second or two and 500–700 MB, and V8 returns
 * its memory only at a major garbage collection, so every process that answered one /readyz
 * held a second database for a long while.
 */
export class ExpectedSchemaCache {
  readonly #file: string;
  #shipped: ExpectedSchemas | null | undefined;
  readonly #replayed = new Map<string, Promise<SchemaSnapshot>>();

  constructor(file: string = defaultExpectedSchemasFile) {
    this.#file = file;
  }

  /** The schema after applying `migrations` whose version is ≤ `upTo`. */
  get(migrations: Migration[], upTo: number): Promise<SchemaSnapshot> {
    const relevant = migrations.filter((m) => m.version <= upTo);
    this.#shipped ??= readExpectedSchemas(this.#file);
    const shipped = this.#shipped && shippedSchema(this.#shipped, relevant);
    if (shipped) return Promise.resolve(shipped);
    const key = relevant.map((m) => `${m.version}:${m.checksum}`).join(",");
    let snapshot = this.#replayed.get(key);
    if (snapshot === undefined) {
      snapshot = replayIntoShadow(relevant);
      snapshot.catch(() => this.#replayed.delete(key));
      this.#replayed.set(key, snapshot);
    }
    return snapshot;
  }
}

export const defaultExpectedSchemasFile = fileURLToPath(
  new URL("../../migrations/expected-schemas.json", import.meta.url),
);

/**
 * What migrations/expected-schemas.json holds. Each distinct table shape is stored once;
 * `schemas[n]` lists the shapes of the schema after migrations 1…n (`schemas[0]`: none applied).
 */
export interface ExpectedSchemas {
  migrations: { version: number; name: string; checksum: string }[];
  tables: TableShape[];
  schemas: number[][];
}

/** The schema `migrations` produce, when they are a prefix of those the file was made from. */
export function shippedSchema(file: ExpectedSchemas, migrations: Migration[]): SchemaSnapshot | null {
  const known = migrations.every((m, i) => {
    const entry = file.migrations[i];
    return entry !== undefined && entry.version === m.version && entry.checksum === m.checksum;
  });
  const tables = known ? file.schemas[migrations.length] : undefined;
  if (tables === undefined) return null;
  return { tables: tables.map((i) => file.tables[i]!) };
}

function readExpectedSchemas(file: string): ExpectedSchemas | null {
  // Missing only in a checkout whose dump was never generated: every schema is then replayed.
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8")) as ExpectedSchemas;
}

/** One shadow for every prefix: migrations/expected-schemas.json as `npm run schema:dump` writes it. */
export async function replayEachPrefix(migrations: Migration[]): Promise<ExpectedSchemas> {
  const shadow = await PgliteDatabase.open(null);
  try {
    const snapshots: SchemaSnapshot[] = [];
    for (let to = 0; to <= migrations.length; to++) {
      const run = await migrateUp(shadow, migrations, { to });
      if (run.error) throw run.error;
      snapshots.push(await introspectSchema(shadow));
    }
    const shapes = new Map<string, number>();
    const schemas = snapshots.map((snapshot) =>
      snapshot.tables.map((table) => {
        const text = JSON.stringify(table);
        if (!shapes.has(text)) shapes.set(text, shapes.size);
        return shapes.get(text)!;
      }),
    );
    return {
      migrations: migrations.map(({ version, name, checksum }) => ({ version, name, checksum })),
      tables: [...shapes.keys()].map((text) => JSON.parse(text) as TableShape),
      schemas,
    };
  } finally {
    await shadow.close();
  }
}

/** The file's text: one table shape a line, so that a review shows which tables a migration changed. */
export function formatExpectedSchemas(file: ExpectedSchemas): string {
  const lines = (items: unknown[]) => items.map((item) => `    ${JSON.stringify(item)}`).join(",\n");
  return [
    "{",
    `  "migrations": [\n${lines(file.migrations)}\n  ],`,
    `  "tables": [\n${lines(file.tables)}\n  ],`,
    `  "schemas": [\n${lines(file.schemas)}\n  ]`,
    "}",
    "",
  ].join("\n");
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
