import { builtInKinds } from "../src/app/built-in-kinds.ts";
import { configSchema } from "../src/config/config-schema.ts";
import { PostgresDatabase } from "../src/db/postgres-database.ts";
import { loadMigrations } from "../src/migrate/migration-files.ts";
import { migrateUp } from "../src/migrate/migrator.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import { enqueueTasks } from "../src/tasks/enqueue-tasks.ts";
import { TaskKindRegistry } from "../src/tasks/task-kinds.ts";
import { createBenchDatabase, serverVersion } from "./queue/bench-database.ts";

/**
 * What idempotency keys cost an enqueue, one task at a time (p50 / p99 of N): without a key, with
 * a new key, and with a taken key sent by the same request again (the lookup and the comparison
 * with the stored request); then requests of 1,000 tasks with new keys (median of 11).
 *
 *   npx tsx bench/enqueue-keys.ts [n=3000] [--database postgres://…/postgres]
 */

const args = process.argv.slice(2);
const flag = args.indexOf("--database");
const server =
  flag >= 0
    ? args.splice(flag, 2)[1]!
    : (process.env.STEWARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const n = Number(args[0] ?? 3_000);

const bench = await createBenchDatabase(server, "keys");
const db = new PostgresDatabase({
  url: bench.url,
  description: "bench",
  poolSize: 2,
  applicationName: "steward-bench",
});
try {
  const migrated = await migrateUp(db, loadMigrations());
  if (migrated.error) throw migrated.error;
  const config = configSchema.parse({});
  const deps = {
    db,
    config,
    kinds: new TaskKindRegistry(builtInKinds),
    clock: { now: () => new Date() },
    models: new ModelRegistry(config),
  };
  console.log(`${await serverVersion(server)}; ${n} single enqueues each`);
  const single = async (label: string, task: (i: number) => object) => {
    for (let i = 0; i < 200; i++) await enqueueTasks(deps, [task(-1 - i)]);
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await enqueueTasks(deps, [task(i)]);
      ms.push(performance.now() - start);
    }
    ms.sort((a, b) => a - b);
    console.log(`${label}: p50 ${ms[n >> 1]!.toFixed(2)} ms, p99 ${ms[Math.floor(n * 0.99)]!.toFixed(2)} ms`);
  };
  await single("no key", () => ({ kind: "noop", payload: { a: 1 } }));
  await single("new key", (i) => ({ kind: "noop", payload: { a: 1 }, idempotencyKey: `new-${i}` }));
  await enqueueTasks(deps, [{ kind: "noop", payload: { a: 1 }, idempotencyKey: "taken" }]);
  await single("taken key, same request", () => ({
    kind: "noop",
    payload: { a: 1 },
    idempotencyKey: "taken",
  }));
  const batches: number[] = [];
  for (let b = 0; b < 11; b++) {
    const tasks = Array.from({ length: 1_000 }, (_, i) => ({
      kind: "noop",
      payload: { i },
      idempotencyKey: `b${b}-${i}`,
    }));
    const start = performance.now();
    await enqueueTasks(deps, tasks);
    batches.push(performance.now() - start);
  }
  batches.sort((a, b) => a - b);
  console.log(`1,000 tasks with new keys in one request: median ${batches[5]!.toFixed(1)} ms`);
} finally {
  await db.close();
  await bench.drop();
}
