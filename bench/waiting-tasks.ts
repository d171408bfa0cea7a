import { PostgresDatabase } from "../src/db/postgres-database.ts";
import { loadMigrations } from "../src/migrate/migration-files.ts";
import { migrateUp } from "../src/migrate/migrator.ts";
import { getWaitingTasks } from "../src/tasks/waiting-tasks.ts";
import { createBenchDatabase, serverVersion } from "./queue/bench-database.ts";

/**
 * How long `getWaitingTasks` (what `steward status` and the Tasks page show of the queue) takes
 * on a large queue: N tasks, 80 % queued (a seventh of them delayed, half of those retrying, one
 * in thirteen handed back for want of a model), 10 % blocked, 10 % finished, in a fresh database.
 *
 *   npx tsx bench/waiting-tasks.ts [tasks=1000000] [--database postgres://…/postgres]
 */

const args = process.argv.slice(2);
const flag = args.indexOf("--database");
const server =
  flag >= 0
    ? args.splice(flag, 2)[1]!
    : (process.env.STEWARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const tasks = Number(args[0] ?? 1_000_000);
const runs = 5;

const bench = await createBenchDatabase(server, "waiting");
const db = new PostgresDatabase({
  url: bench.url,
  description: "bench",
  poolSize: 2,
  applicationName: "steward-bench",
});
try {
  const migrated = await migrateUp(db, loadMigrations());
  if (migrated.error) throw migrated.error;
  await db.query(
    `INSERT INTO execution_tasks (kind, stage, status, run_at, attempts, assignment)
     SELECT (ARRAY['implement_idea', 'idea_implementation', 'self_improvement', 'llm', 'sleep'])[1 + i % 5], 'bench',
            CASE WHEN i % 10 = 0 THEN 'blocked' WHEN i % 10 = 1 THEN 'succeeded' ELSE 'queued' END,
            CASE WHEN i % 7 = 0 THEN now() + interval '1 hour' ELSE now() END,
            CASE WHEN i % 14 = 0 THEN 1 ELSE 0 END,
            CASE WHEN i % 13 = 0 THEN jsonb_build_object('model', NULL, 'cause', 'unavailable',
                                                         'reason', 'no model is configured', 'scores', '[]'::jsonb) END
       FROM generate_series(1, $1) i`,
    [tasks],
  );
  await db.query("VACUUM ANALYZE execution_tasks");
  console.log(`${tasks.toLocaleString("en-US")} tasks; ${await serverVersion(server)}`);
  for (const scanLimit of [undefined, tasks]) {
    const times: number[] = [];
    let last = await getWaitingTasks(db, { scanLimit });
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      last = await getWaitingTasks(db, { scanLimit });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(
      `scanLimit ${scanLimit ?? "default"}: ${last.total.toLocaleString("en-US")} waiting, ` +
        `${last.counted.toLocaleString("en-US")} read; ms min ${times[0]!.toFixed(0)}, ` +
        `median ${times[Math.floor(runs / 2)]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}`,
    );
  }
} finally {
  await db.close();
  await bench.drop();
}
