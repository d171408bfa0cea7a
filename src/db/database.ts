/**
 * The one narrow database interface of Steward. Two implementations:
 * - PGlite (embedded, default): Postgres compiled to WASM, one connection, in this process.
 * - PostgreSQL (`pg` pool): for many workers on many machines.
 * Same SQL on both. Values are always bound ($1, $2, ...); identifiers never come from input.
 *
 * Type parsing is made identical on both: int8 → number (ids and counts stay far below 2^53),
 * numeric → string (exact), timestamptz → Date, json/jsonb → parsed, arrays → arrays.
 */

import type { DatabaseErrorLog } from "./database-errors.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted by the statement (0 for SELECT on PGlite). */
  rowCount: number;
}

/** Anything that runs statements: the database itself, or a transaction on it. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations, repairs). */
  exec(script: string): Promise<void>;
}

export interface Session extends Queryable {
  /** Runs `fn` in a transaction on this session: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Database extends Session {
  readonly kind: DatabaseKind;
  /** A description safe to log or show: never contains a password. */
  readonly description: string;
  /** The errors of this process's failed statements, counted until written (database-errors.ts). */
  readonly errors: DatabaseErrorLog;
  /**
   * Runs `fn` on one dedicated connection (a session), for what must stay on one connection:
   * session advisory locks, several transactions in a row under one lock.
   * On PGlite this holds the in-process lock for the whole of `fn`.
   */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * Calls `handler` for each NOTIFY on `channel` until the returned function is called.
   * PostgreSQL: on a connection of its own, reopened if lost (handlers then get an empty
   * payload, as notifications may have been missed). PGlite: within this process.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
