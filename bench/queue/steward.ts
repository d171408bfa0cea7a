import { builtInKinds } from "../../src/app/built-in-kinds.ts";
import { createDeps } from "../../src/app/create-deps.ts";
import type { Deps } from "../../src/app/deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { PostgresDatabase } from "../../src/db/postgres-database.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { type BenchDatabase, checkpoint, createBenchDatabase } from "./bench-database.ts";
import { watchCpu } from "./cpu.ts";
import {
  deferred,
  type PickupPayload,
  PickupRecorder,
  type PickupSamples,
  type ThroughputRun,
  timeEnqueue,
  within,
} from "./harness.ts";

export type Backend = "pglite" | "postgres";

/** How Steward drains the queue: `pools` WorkerPools in this one process, each with these settings. */
export interface StewardDrainConfig {
  pools: number;
  concurrency: number;
  claimBatch: number;
}

export function describeStewardConfig(config: StewardDrainConfig): string {
  const pool = `concurrency ${config.concurrency}, claimBatch ${config.claimBatch}`;
  return config.pools === 1 ? pool : `${config.pools} WorkerPools × (${pool})`;
}

/** Tasks added per enqueueTasks call in the bulk enqueue. */
const enqueueChunk = 2_000;

/** A Steward engine over a fresh database: PGlite in memory, or a new PostgreSQL database. */
export interface BenchSteward {
  deps: Deps;
  /** The PostgreSQL database's URL, or "pglite:memory". */
  url: string;
  close(): Promise<void>;
}

export async function openSteward(
  backend: Backend,
  server: string,
  kinds: TaskKind[] = [],
): Promise<BenchSteward> {
  const config = configSchema.parse({});
  let db: Database;
  let created: BenchDatabase | null = null;
  if (backend === "pglite") db = await PgliteDatabase.open(null);
  else {
    created = await createBenchDatabase(server, "steward");
    // The pool size is the default configuration's (database.poolSize = 10).
    db = new PostgresDatabase({
      url: created.url,
      description: created.name,
      poolSize: config.database.poolSize,
      applicationName: "steward-bench",
    });
  }
  const close = async () => {
    await db.close();
    await created?.drop();
  };
  try {
    const migrations = loadMigrations();
    const run = await migrateUp(db, migrations);
    if (run.error) throw run.error;
    const deps = createDeps({ config, db, migrations, kinds: [...builtInKinds, ...kinds] });
    return { deps, url: created?.url ?? "pglite:memory", close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Enqueues `tasks` no-op tasks, then starts the worker pool(s) and times until every attempt is
 * recorded (the "recorded" event follows the commit of the completion statement). Checks in SQL
 * afterwards that every task succeeded and has its attempt row.
 */
export async function stewardThroughput(
  backend: Backend,
  server: string,
  tasks: number,
  config: StewardDrainConfig,
): Promise<ThroughputRun> {
  const steward = await openSteward(backend, server);
  const { deps } = steward;
  try {
    const enqueuePerS = await timeEnqueue(tasks, enqueueChunk, async (n) => {
      await enqueueTasks(
        deps,
        Array.from({ length: n }, () => ({ kind: "noop" })),
      );
    });
    if (backend === "postgres") {
      await checkpoint(server);
      await warmPool(deps.db, deps.config.database.poolSize);
    }

    const pools = Array.from(
      { length: config.pools },
      (_, i) =>
        new WorkerPool(deps, {
          workerId: `bench-${i}`,
          concurrency: config.concurrency,
          claimBatch: config.claimBatch,
        }),
    );
    const allRecorded = deferred();
    let recorded = 0;
    for (const pool of pools) {
      // Telemetry on, as `steward worker` runs: the attempts counted for GET /metrics too (the
      // rollups are the database's; spans are the no-op API's unless an SDK is registered).
      deps.metrics.watch(pool);
      pool.on("recorded", (completed) => {
        for (const c of completed) if (c.status === "succeeded") recorded += 1;
        if (recorded >= tasks) allRecorded.resolve();
      });
      pool.on("error", (error) => allRecorded.reject(error));
    }
    const cpuWatch = await watchCpu(backend === "postgres" ? server : null);
    const t0 = performance.now();
    await Promise.all(pools.map((pool) => pool.start()));
    await within(allRecorded.promise, 120_000, `recording ${tasks} Steward attempts`);
    const drainMs = performance.now() - t0;
    const cpu = await cpuWatch.stop();
    await Promise.all(pools.map((pool) => pool.stop()));

    await verifyDrained(deps.db, tasks);
    return { tasks, enqueuePerS, drainMs, tasksPerS: tasks / (drainMs / 1000), cpu };
  } finally {
    await steward.close();
  }
}

/** Fails loudly unless every task succeeded and has exactly one attempt row. */
async function verifyDrained(db: Database, tasks: number): Promise<void> {
  const { rows } = await db.query<{ succeeded: number; total: number; attempts: number }>(
    `SELECT (SELECT count(*) FROM execution_tasks WHERE status = 'succeeded') AS succeeded,
            (SELECT count(*) FROM execution_tasks) AS total,
            (SELECT count(*) FROM task_attempts WHERE outcome = 'succeeded') AS attempts`,
  );
  const counts = rows[0]!;
  if (counts.succeeded !== tasks || counts.total !== tasks || counts.attempts !== tasks) {
    throw new Error(
      `Steward drain is incomplete: ${counts.succeeded} of ${counts.total} tasks succeeded with ${counts.attempts} attempt rows; expected ${tasks} of each`,
    );
  }
}

/** Opens the pool's connections before the clock starts (graphile-worker's pool is warmed alike). */
export async function warmPool(db: Database, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => db.query("SELECT pg_sleep(0.02)")));
}

/**
 * Pickup latency: an idle worker woken by NOTIFY, `count` single enqueues offered at `perSecond`
 * (each its own enqueueTasks call, as an API request would be); each sample is handler start
 * minus enqueue call time.
 */
export async function stewardPickup(
  backend: Backend,
  server: string,
  count: number,
  perSecond: number,
  config: StewardDrainConfig,
  warmup: number,
): Promise<PickupSamples> {
  const recorder = new PickupRecorder(count, warmup);
  const pickupKind: TaskKind = {
    name: "bench.pickup",
    description: "Records how long after its enqueue call it started.",
    async run(task) {
      recorder.record(task.payload as PickupPayload);
      return null;
    },
  };
  const steward = await openSteward(backend, server, [pickupKind]);
  const { deps } = steward;
  const pool = new WorkerPool(deps, {
    workerId: "bench-pickup",
    concurrency: config.concurrency,
    claimBatch: config.claimBatch,
  });
  pool.on("error", (error) => recorder.fail(error));
  try {
    await pool.start();
    const cpuWatch = await watchCpu(backend === "postgres" ? server : null);
    const enqueueMs = await recorder.offer(perSecond, (payload) =>
      enqueueTasks(deps, [{ kind: "bench.pickup", payload }]),
    );
    await recorder.started(30_000, `the start of ${count} Steward pickup tasks`);
    return { pickupMs: recorder.latencies, enqueueMs, cpu: await cpuWatch.stop() };
  } finally {
    await pool.stop();
    await steward.close();
  }
}
