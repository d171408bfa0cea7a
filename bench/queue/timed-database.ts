import type { Database, Queryable, QueryResult, Session } from "../../src/db/database.ts";

/** What a statement is, judged by its text (only Steward's worker statements are told apart). */
function classify(sql: string): string {
  if (sql.includes("steward_claim_tasks")) return "claim";
  if (sql.includes("steward_complete_plain") || sql.trimStart().startsWith("WITH input AS"))
    return "complete";
  if (sql.includes("locked_until") && sql.includes("UPDATE")) return "lease";
  return "other";
}

export interface StatementTotals {
  calls: number;
  /** Sum of each call's time from request to answer (includes waiting for PGlite's lock). */
  ms: number;
  /** Tasks claimed, or tasks in the completed batches. */
  tasks: number;
  /** Claims that found nothing to claim. */
  empty: number;
}

/**
 * A Database that forwards everything and keeps time: per kind of statement, and the time during
 * which at least one statement was in flight ("busy"). On PGlite, which runs one statement at a
 * time on this thread, busy time is the time the engine spent in the database; the rest of the
 * wall time is JavaScript (worker pool, handlers, event loop, GC).
 */
export class TimedDatabase implements Database {
  readonly kind: Database["kind"];
  readonly description: string;
  readonly errors: Database["errors"];
  readonly totals = new Map<string, StatementTotals>();
  #inFlight = 0;
  #busySince = 0;
  busyMs = 0;

  constructor(private readonly inner: Database) {
    this.kind = inner.kind;
    this.description = inner.description;
    this.errors = inner.errors;
  }

  reset(): void {
    this.totals.clear();
    this.busyMs = 0;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.#time(classify(sql), params, () => this.inner.query<Row>(sql, params), countClaimed);
  }

  exec(script: string): Promise<void> {
    return this.#time("other", undefined, () => this.inner.exec(script));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#time("transaction", undefined, () => this.inner.transaction(fn));
  }

  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.#time("session", undefined, () => this.inner.withSession(fn));
  }

  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    return this.inner.listen(channel, handler);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #time<T>(
    kind: string,
    params: readonly unknown[] | undefined,
    run: () => Promise<T>,
    count: (result: T) => number = () => 0,
  ): Promise<T> {
    const start = performance.now();
    if (this.#inFlight++ === 0) this.#busySince = start;
    let claimed = 0;
    try {
      const result = await run();
      if (kind === "claim") claimed = count(result);
      return result;
    } finally {
      const end = performance.now();
      if (--this.#inFlight === 0) this.busyMs += end - this.#busySince;
      const totals = this.totals.get(kind) ?? { calls: 0, ms: 0, tasks: 0, empty: 0 };
      totals.calls += 1;
      totals.ms += end - start;
      if (kind === "complete") totals.tasks += countReports(params);
      totals.tasks += claimed;
      if (kind === "claim" && claimed === 0) totals.empty += 1;
      this.totals.set(kind, totals);
    }
  }
}

/** Tasks in a claim's answer: [started_at, [task, …]] as one JSON text (src/tasks/claim-tasks.ts). */
function countClaimed(result: QueryResult<unknown>): number {
  const text = (result.rows[0] as { claimed?: string | null } | undefined)?.claimed;
  return text ? (JSON.parse(text) as [string, unknown[]])[1].length : 0;
}

/** Reports in a completion: plain successes send the worker, then the task ids; others one JSON document. */
function countReports(params: readonly unknown[] | undefined): number {
  if (Array.isArray(params?.[1])) return params[1].length;
  const first = params?.[0];
  return typeof first === "string" ? first.split('{"id":').length - 1 : 0;
}
