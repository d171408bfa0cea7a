import type { Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { type SchedulerConfig, unknownPriceTargets } from "../scheduler/scheduler-config.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";

/**
 * Refuses to start the scheduler on prices of lateness named for kinds this process does not know
 * or for ideas the database does not hold: a misspelt name would otherwise price nothing, silently.
 * Checked where workers start (src/cli/start-worker.ts), after the kinds are registered; the error
 * names each key, as every configuration error does.
 */
export async function requireKnownPriceTargets(deps: {
  db: Queryable;
  kinds: TaskKindRegistry;
  config: { scheduler: SchedulerConfig };
}): Promise<void> {
  const named = Object.keys(deps.config.scheduler.priceOfLateness.ideas);
  const { rows } =
    named.length === 0
      ? { rows: [] }
      : await deps.db.query<{ key: string }>("SELECT key FROM ideas WHERE key = ANY($1::text[])", [named]);
  const problems = unknownPriceTargets(deps.config.scheduler, {
    kinds: deps.kinds.names(),
    ideas: rows.map((r) => r.key),
  });
  if (problems.length === 0) return;
  const lines = problems.map((p) => `"${p.path}": ${p.message}`);
  throw new StewardError("config_invalid", `Invalid configuration:\n  - ${lines.join("\n  - ")}`, {
    details: { problems },
  });
}
