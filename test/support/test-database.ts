import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, type TestContext } from "node:test";
import pg from "pg";
import type { Database } from "../../src/db/database.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { PostgresDatabase } from "../../src/db/postgres-database.ts";

/**
 * One suite, two databases: with STEWARD_TEST_DATABASE_URL set, every test database is a fresh
 * PostgreSQL database created on that server (dropped afterwards; STEWARD_TEST_KEEP_DATABASES=1
 * keeps them for inspection and prints their names); otherwise it is a PGlite instance.
 */
export const serverUrl = process.env.STEWARD_TEST_DATABASE_URL;
export const backend: "pglite" | "postgres" = serverUrl ? "postgres" : "pglite";

export interface TestDatabase {
  db: Database;
  /** A URL another process can open: postgres://… or pglite:<folder>. */
  url: string;
  /** Closes `db` and removes the database. Registered on `t.after` automatically when `t` is given. */
  dispose(): Promise<void>;
}

export async function createTestDatabase(
  t?: TestContext,
  options: { onDisk?: boolean; backend?: "pglite" } = {},
): Promise<TestDatabase> {
  const created =
    serverUrl && options.backend !== "pglite"
      ? await createPostgresDatabase(serverUrl)
      : await createPgliteDatabase(options.onDisk ?? false);
  if (t) {
    t.after(async () => {
      await created.dispose();
    });
  }
  return created;
}

/** Opens another connection to the same test database (a second process's view, on PostgreSQL). */
export async function openAnother(url: string): Promise<Database> {
  if (!url.startsWith("postgres")) throw new Error("openAnother needs PostgreSQL: PGlite is one connection");
  return new PostgresDatabase({ url, description: "test", poolSize: 4, applicationName: "steward-test" });
}

async function createPostgresDatabase(server: string): Promise<TestDatabase> {
  const name = `steward_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = new PostgresDatabase({
    url: url.toString(),
    description: name,
    poolSize: 5,
    applicationName: "steward-test",
  });
  return {
    db,
    url: url.toString(),
    async dispose() {
      await db.close();
      if (process.env.STEWARD_TEST_KEEP_DATABASES === "1") {
        console.error(`# kept test database ${name} for inspection`);
        return;
      }
      const dropper = new pg.Client({ connectionString: server });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * A blank PGlite made once per test file and cloned for each test: a clone takes ≈0.4 s where
 * starting PGlite takes ≈2 s. Closed when the test process ends (a live instance keeps Node alive).
 */
let blankTemplate: Promise<PgliteDatabase> | undefined;

// Registered when this module loads, so on the root test: it runs once, after the whole file.
after(async () => {
  if (blankTemplate) await (await blankTemplate).close();
});

function blankPglite(): Promise<PgliteDatabase> {
  blankTemplate ??= PgliteDatabase.open(null);
  return blankTemplate;
}

async function createPgliteDatabase(onDisk: boolean): Promise<TestDatabase> {
  if (!onDisk) {
    const db = await (await blankPglite()).clone();
    return { db, url: "pglite:memory", dispose: () => db.close() };
  }
  const folder = onDisk ? mkdtempSync(path.join(tmpdir(), "steward-test-")) : null;
  const dataDir = folder === null ? null : path.join(folder, "db");
  const db = await PgliteDatabase.open(dataDir);
  return {
    db,
    url: dataDir === null ? "pglite:memory" : `pglite:${dataDir}`,
    async dispose() {
      await db.close();
      if (folder !== null) rmSync(folder, { recursive: true, force: true });
    },
  };
}
