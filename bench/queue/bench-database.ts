import { randomBytes } from "node:crypto";
import pg from "pg";

/** A fresh PostgreSQL database for one system's run; `drop()` removes it. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Databases created and not yet dropped, so that a failing run still cleans up (see dropLeftovers). */
const live = new Set<BenchDatabase>();

export async function createBenchDatabase(server: string, label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString("hex")}`;
  await withAdmin(server, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db: BenchDatabase = {
    name,
    url: url.toString(),
    async drop() {
      live.delete(db);
      await withAdmin(server, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
  live.add(db);
  return db;
}

export async function dropLeftovers(): Promise<void> {
  for (const db of [...live]) await db.drop().catch(() => {});
}

/**
 * Writes dirty pages out before a timed drain, so that a checkpoint started by the enqueue does
 * not land inside one system's measurement and not another's. Done for every system alike.
 */
export async function checkpoint(url: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query("CHECKPOINT"));
}

export async function serverVersion(server: string): Promise<string> {
  return withAdmin(server, async (admin) => {
    const { rows } = await admin.query<{ version: string }>("SELECT version()");
    return rows[0]!.version;
  });
}

export async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "steward-bench" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
