import pg from "pg";
import type { Database, Queryable, QueryResult, Session } from "./database.ts";
import { DatabaseErrorLog } from "./database-errors.ts";
import { PostgresListener } from "./postgres-listener.ts";
import { preparedName } from "./prepared-statements.ts";

/** Per-pool type parsers, so that results have the same shape as PGlite's (see database.ts). */
const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (value: string) => Number.parseInt(value, 10); // int8
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
    return pg.types.getTypeParser(oid, format as any);
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  url: string;
  description: string;
  poolSize: number;
  /** Application name shown in pg_stat_activity. */
  applicationName: string;
}

/** PostgreSQL through a `pg` pool: many connections, many processes, many machines. */
export class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly description: string;
  readonly errors = new DatabaseErrorLog();
  readonly #pool: pg.Pool;
  readonly #listener: PostgresListener;
  #closed = false;

  constructor(options: PostgresOptions) {
    this.description = options.description;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      // pg's default closes a connection after 10 s idle; the next request then pays a new
      // connection and re-prepares its statements (a latency spike). A minute keeps a steady
      // service warm, and an idle process still lets its connections go.
      idleTimeoutMillis: 60_000,
      application_name: options.applicationName,
      types: typeParsers,
    });
    // An idle client that loses its connection (a server restart) must not crash the process;
    // the pool drops it and the next checkout opens a new one.
    this.#pool.on("error", () => {});
    this.#listener = new PostgresListener(options.url);
  }

  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    return this.#listener.listen(channel, handler);
  }

  async query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> {
    const result = await this.#pool.query(toQuery(sql, params)).catch(this.#noted);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  }

  async exec(script: string): Promise<void> {
    // Without parameters, pg uses the simple query protocol, which accepts several statements.
    await this.#pool.query(script).catch(this.#noted);
  }

  /** Counts a failed statement's error and rethrows it. */
  readonly #noted = (error: unknown): never => {
    this.errors.note(error);
    throw error;
  };

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withSession((session) => session.transaction(fn));
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const noted = this.#noted;
    let broken = false;
    const queryable: Queryable = {
      async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
        const result = await client.query(toQuery(sql, params)).catch(noted);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
      },
      async exec(script: string): Promise<void> {
        await client.query(script).catch(noted);
      },
    };
    const session: Session = {
      ...queryable,
      async transaction<T2>(inner: (tx: Queryable) => Promise<T2>): Promise<T2> {
        await client.query("BEGIN");
        try {
          const value = await inner(queryable);
          await client.query("COMMIT");
          return value;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {
            broken = true;
          });
          throw error;
        }
      },
    };
    try {
      return await fn(session);
    } finally {
      // A connection whose state is unknown is destroyed rather than returned to the pool.
      client.release(broken ? true : undefined);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    await this.#pool.end();
  }
}

/** A statement for pg: named (prepared once per connection) when declared with prepared(). */
function toQuery(text: string, params?: readonly unknown[]): pg.QueryConfig {
  return { text, values: params as unknown[] | undefined, name: preparedName(text) };
}
