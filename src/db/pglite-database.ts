import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite, type PGliteInterface } from "@electric-sql/pglite";
import { StewardError } from "../errors.ts";
import { createPgliteFolder } from "./create-pglite-folder.ts";
import { DataFolderLock } from "./data-folder-lock.ts";
import type { Database, Queryable, QueryResult, Session } from "./database.ts";
import { DatabaseErrorLog } from "./database-errors.ts";
import { Mutex } from "./mutex.ts";

/**
 * PostgreSQL's default 128 MB of shared buffers is zeroed at start, so all of it is resident from
 * the first query, in the process that embeds the database. 64 MB drains the queue benchmark as
 * fast (17,195 against 17,036 tasks/s; with 32 MB, 14,868) and
 * keeps `steward start` with the demo about 60 MB smaller (docs/benchmarks.md, memory).
 */
const pgliteOptions = { startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=64MB"] };

/**
 * The embedded database. PGlite is a single connection, so two traps are handled here
 * (as pg-boss's PGlite adapter and Kysely's driver do):
 * - every statement is serialised through one in-process mutex; a transaction holds it
 *   from BEGIN to COMMIT, so no other caller's statement lands inside it;
 * - an aborted transaction is rolled back before the error is rethrown, otherwise every
 *   later statement would fail with 25P02 ("current transaction is aborted").
 * Consequence: inside `transaction(fn)` use the `tx` given to `fn`, never the database
 * itself, or the call waits for the lock that `fn` holds.
 */
export class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly description: string;
  readonly errors = new DatabaseErrorLog();
  readonly #pg: PGliteInterface;
  readonly #mutex = new Mutex();
  readonly #lock: DataFolderLock | null;
  #closed = false;

  private constructor(pg: PGliteInterface, description: string, lock: DataFolderLock | null = null) {
    this.#pg = pg;
    this.description = description;
    this.#lock = lock;
  }

  /**
   * `dataDir` null means in memory. A data folder is locked to this process until `close()`.
   * With `create: false`, a folder that holds no database is refused (`database_missing`)
   * rather than made: a command that only reads must not leave an empty database behind.
   */
  static async open(
    dataDir: string | null,
    options: { create?: boolean; command?: string } = {},
  ): Promise<PgliteDatabase> {
    if (dataDir === null) return new PgliteDatabase(await PGlite.create(pgliteOptions), "pglite:memory");
    if (options.create === false && !existsSync(path.join(dataDir, "PG_VERSION"))) {
      throw new StewardError("database_missing", `There is no Steward database in ${dataDir}.`, {
        details: { dataDir },
      });
    }
    await mkdir(dataDir, { recursive: true });
    const lock = DataFolderLock.acquire(dataDir, options.command);
    try {
      await createPgliteFolder(dataDir);
      return new PgliteDatabase(await PGlite.create(dataDir, pgliteOptions), `pglite:${dataDir}`, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The data folder's lock (null in memory), through which `steward start` advertises its API. */
  get lock(): DataFolderLock | null {
    return this.#lock;
  }

  /** Wraps an existing PGlite instance (a clone, say); closing the wrapper closes it. */
  static wrap(pg: PGliteInterface, description: string): PgliteDatabase {
    return new PgliteDatabase(pg, description);
  }

  /** A copy of this database's current contents, in memory (PGlite's `clone()`). */
  async clone(): Promise<PgliteDatabase> {
    const copy = (await this.#mutex.run(() => this.#pg.clone())) as PGliteInterface;
    return new PgliteDatabase(copy, "pglite:memory");
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.#mutex.run(() => this.#rawQuery<Row>(sql, params));
  }

  exec(script: string): Promise<void> {
    return this.#mutex.run(async () => {
      try {
        await this.#pg.exec(script);
      } catch (error) {
        this.errors.note(error);
        // A script may open its own transaction and fail inside it.
        await this.#rollbackIfOpen();
        throw error;
      }
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => this.#transactionUnlocked(fn));
  }

  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.#mutex.run(() =>
      fn({
        query: (sql, params) => this.#rawQuery(sql, params),
        exec: (script) => this.#pg.exec(script).then(() => undefined),
        transaction: (inner) => this.#transactionUnlocked(inner),
      }),
    );
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.#mutex.run(() => this.#pg.listen(channel, handler));
    return () => (this.#closed ? Promise.resolve() : this.#mutex.run(() => unlisten()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#mutex.run(() => this.#pg.close());
    } finally {
      this.#lock?.release();
    }
  }

  async #rawQuery<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    try {
      const result = await this.#pg.query<Row>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    } catch (error) {
      this.errors.note(error);
      throw error;
    }
  }

  async #transactionUnlocked<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx: Queryable = {
      query: (sql, params) => this.#rawQuery(sql, params),
      exec: (script) => this.#pg.exec(script).then(() => undefined),
    };
    await this.#pg.query("BEGIN");
    try {
      const value = await fn(tx);
      await this.#pg.query("COMMIT");
      return value;
    } catch (error) {
      await this.#rollbackIfOpen();
      throw error;
    }
  }

  async #rollbackIfOpen(): Promise<void> {
    if (this.#pg.isInTransaction()) await this.#pg.query("ROLLBACK");
  }
}
