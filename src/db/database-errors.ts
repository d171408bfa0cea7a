import { sqlState } from "../errors.ts";

/**
 * The database errors this process has seen, counted in memory by minute, SQLSTATE and message,
 * until they are written to `database_errors` (the workers' maintenance step, or a report about
 * to read them). Both databases count every failed statement here, so that a burst of 42703
 * ("column does not exist") after a drop is seen even where the caller only logs it.
 *
 * Counted: the classes that say the schema or the data is not what the statement expected, or
 * that the server is in trouble. Not counted: what a correct program meets in normal work and
 * handles (serialization failures, deadlocks, lock timeouts, an aborted transaction's follow-ups,
 * a cancelled statement, connection errors, which the database's own retries handle).
 */
const countedClasses = new Set(["0A", "22", "23", "3D", "3F", "42", "53", "54", "58", "XX"]);

export interface DatabaseErrorCount {
  /** The minute it was seen in. */
  bucket: Date;
  sqlState: string;
  /** The message with numbers and quoted literals replaced: `value "x" …` → `value ? …`. */
  message: string;
  count: number;
  lastAt: Date;
}

/** Distinct (minute, state, message) kept before the oldest are dropped: a storm stays bounded. */
const maxKeys = 500;

export class DatabaseErrorLog {
  readonly #counts = new Map<string, DatabaseErrorCount>();
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** Counts a failed statement's error, when its SQLSTATE is one of the counted classes. */
  note(error: unknown): void {
    const state = sqlState(error);
    if (state === undefined || !countedClasses.has(state.slice(0, 2))) return;
    const at = this.#now();
    const bucket = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    const message = normaliseMessage(error instanceof Error ? error.message : String(error));
    const key = `${bucket.getTime()}\u0000${state}\u0000${message}`;
    const seen = this.#counts.get(key);
    if (seen) {
      seen.count += 1;
      seen.lastAt = at;
      return;
    }
    if (this.#counts.size >= maxKeys) this.#counts.delete(this.#counts.keys().next().value!);
    this.#counts.set(key, { bucket, sqlState: state, message, count: 1, lastAt: at });
  }

  /** The counts noted since the last take, removed from the log. */
  take(): DatabaseErrorCount[] {
    const counts = [...this.#counts.values()];
    this.#counts.clear();
    return counts;
  }

  /** Puts counts back (a write that failed), adding to what was noted meanwhile. */
  putBack(counts: DatabaseErrorCount[]): void {
    for (const c of counts) {
      const key = `${c.bucket.getTime()}\u0000${c.sqlState}\u0000${c.message}`;
      const seen = this.#counts.get(key);
      if (seen) {
        seen.count += c.count;
        if (c.lastAt > seen.lastAt) seen.lastAt = c.lastAt;
      } else if (this.#counts.size < maxKeys) this.#counts.set(key, { ...c });
    }
  }
}

/** Messages grouped by their shape: numbers and quoted values out, at most 200 characters. */
export function normaliseMessage(message: string): string {
  return message
    .replace(/'[^']*'/g, "?")
    .replace(/\b\d+(\.\d+)?\b/g, "?")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
}
