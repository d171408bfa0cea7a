import { Logger, makeWorkerUtils, type RunnerOptions, run, runMigrations } from "graphile-worker";
import pg from "pg";
import { checkpoint, createBenchDatabase } from "./bench-database.ts";
import { type CpuUse, watchCpu, watcherPid } from "./cpu.ts";
import {
  deferred,
  type PickupPayload,
  PickupRecorder,
  type PickupSamples,
  pollUntil,
  type ThroughputRun,
  timeEnqueue,
  within,
} from "./harness.ts";

/** graphile-worker's fastest documented configuration (worker.graphile.org/docs/performance). */
export interface GraphileConfig {
  concurrency: number;
  localQueueSize: number;
}

export function describeGraphileConfig(config: GraphileConfig): string {
  return `concurrency ${config.concurrency}, localQueue ${config.localQueueSize}, completeJobBatchDelay 0, failJobBatchDelay 0, pool ${config.concurrency + 1}`;
}

const silent = new Logger(() => () => {});

/** A pool for graphile-worker, with the error handlers it asks for (a dropped database ends its connections). */
function makePool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
const enqueueChunk = 2_000;

function runnerOptions(pgPool: pg.Pool, config: GraphileConfig): RunnerOptions {
  return {
    pgPool,
    logger: silent,
    concurrency: config.concurrency,
    noHandleSignals: true,
    preset: {
      worker: {
        localQueue: { size: config.localQueueSize },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  };
}

/**
 * Enqueues `tasks` jobs with addJobs, then times `run()` until every job is complete. A completed
 * graphile-worker job is deleted, and the runner reports nothing after that commit, so the end is
 * the first poll (every 1 ms, once every handler has run) that finds the jobs table empty.
 */
export async function graphileThroughput(
  server: string,
  tasks: number,
  config: GraphileConfig,
): Promise<ThroughputRun> {
  const database = await createBenchDatabase(server, "graphile");
  const pgPool = makePool(database.url, config.concurrency + 1);
  const watcher = new pg.Client({ connectionString: database.url });
  try {
    await runMigrations({ pgPool, logger: silent });
    const utils = await makeWorkerUtils({ pgPool, logger: silent });
    let enqueuePerS: number;
    try {
      enqueuePerS = await timeEnqueue(tasks, enqueueChunk, async (n) => {
        await utils.addJobs(Array.from({ length: n }, () => ({ identifier: "noop", payload: {} })));
      });
    } finally {
      await utils.release();
    }
    await checkpoint(server);
    await watcher.connect();
    await warm(pgPool, config.concurrency + 1);

    let handled = 0;
    const allHandled = deferred();
    const cpuWatch = await watchCpu(server);
    const t0 = performance.now();
    const runner = await run({
      ...runnerOptions(pgPool, config),
      taskList: {
        noop: async () => {
          handled += 1;
          if (handled === tasks) allHandled.resolve();
        },
      },
    });
    let drainMs: number;
    let cpu: CpuUse;
    try {
      await within(allHandled.promise, 120_000, `running ${tasks} graphile-worker jobs`);
      await pollUntil(async () => (await countJobs(watcher)) === 0, "the deletion of every completed job");
      drainMs = performance.now() - t0;
      cpu = await cpuWatch.stop([watcherPid(watcher)]);
    } finally {
      await runner.stop();
    }
    // Completed jobs are deleted; a failed one would still be there, with its attempts counted.
    const left = await countJobs(watcher);
    if (left !== 0) throw new Error(`graphile-worker left ${left} jobs behind`);
    return { tasks, enqueuePerS, drainMs, tasksPerS: tasks / (drainMs / 1000), cpu };
  } finally {
    await watcher.end().catch(() => {});
    await pgPool.end();
    await database.drop();
  }
}

async function countJobs(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM graphile_worker._private_jobs",
  );
  return Number(rows[0]!.n);
}

async function warm(pool: pg.Pool, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => pool.query("SELECT pg_sleep(0.02)")));
}

/** Pickup latency with the same configuration: an idle runner woken by graphile-worker's NOTIFY. */
export async function graphilePickup(
  server: string,
  count: number,
  perSecond: number,
  config: GraphileConfig,
  warmup: number,
): Promise<PickupSamples> {
  const database = await createBenchDatabase(server, "graphile");
  const pgPool = makePool(database.url, config.concurrency + 1);
  try {
    await runMigrations({ pgPool, logger: silent });
    const recorder = new PickupRecorder(count, warmup);
    const runner = await run({
      ...runnerOptions(pgPool, config),
      taskList: {
        pickup: async (payload) => {
          recorder.record(payload as PickupPayload);
        },
      },
    });
    // The producer has a pool of its own, as an application adding jobs would.
    const producerPool = makePool(database.url, 10);
    const utils = await makeWorkerUtils({ pgPool: producerPool, logger: silent });
    try {
      const cpuWatch = await watchCpu(server);
      const enqueueMs = await recorder.offer(perSecond, (payload) => utils.addJob("pickup", payload));
      await recorder.started(30_000, `the start of ${count} graphile-worker pickup jobs`);
      return { pickupMs: recorder.latencies, enqueueMs, cpu: await cpuWatch.stop() };
    } finally {
      await utils.release();
      await producerPool.end();
      await runner.stop();
    }
  } finally {
    await pgPool.end();
    await database.drop();
  }
}
