/**
 * Statements that run on every enqueue, claim, completion and heartbeat are prepared once per
 * PostgreSQL connection and then only executed: parsing and planning the enqueue statement took
 * ≈0.6 ms of a single enqueue's ≈1.7 ms (docs/benchmarks.md). A module declares such a statement
 * with `prepared(name, text)`, which returns the text unchanged, so that the same string works
 * with any Queryable; PostgresDatabase looks the text up here and sends it as a named statement.
 * PGlite has no connection to keep plans on and runs the text as it is.
 *
 * Only statements declared here are prepared: the set is fixed at load time, so a connection
 * never holds more than this handful of plans. PostgreSQL re-plans a prepared statement by itself
 * when a table it reads changes (a migration, `steward doctor --fix`).
 */
const names = new Map<string, string>();

export function prepared(name: string, text: string): string {
  const known = names.get(text);
  if (known !== undefined && known !== name)
    throw new Error(`statement text already prepared as "${known}", not "${name}"`);
  if ([...names.values()].includes(name) && known === undefined)
    throw new Error(`two different statements are both prepared as "${name}"`);
  names.set(text, name);
  return text;
}

/** The name a statement text is prepared under, if it was declared with prepared(). */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}
