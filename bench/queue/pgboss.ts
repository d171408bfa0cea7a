import pg from "pg";
import { PgBoss } from "pg-boss";
import { checkpoint, createBenchDatabase } from "./bench-database.ts";
import { watchCpu, watcherPid } from "./cpu.ts";
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
import { nowMs } from "./stats.ts";

/** pg-boss workers: `workers` fetch loops (localConcurrency), each fetching `batchSize` jobs at once. */
export interface PgBossConfig {
  workers: number;
  batchSize: number;
}

export function describePgBossConfig(config: PgBossConfig): string {
  return `localConcurrency ${config.workers} × batchSize ${config.batchSize}, burstWhenBatchFull, useListenNotify + queue notify, pool 10`;
}

const queue = "bench";
const enqueueChunk = 2_000;

/** pg-boss with LISTEN/NOTIFY on, a queue that notifies, and its default pool (10 connections). */
async function startBoss(url: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, useListenNotify: true, schedule: false });
  boss.on("error", (error) => process.stderr.write(`pg-boss error: ${String(error.message ?? error)}\n`));
  await boss.start();
  await boss.createQueue(queue, { notify: true });
  return boss;
}

function workOptions(config: PgBossConfig) {
  return {
    batchSize: config.batchSize,
    localConcurrency: config.workers,
    burstWhenBatchFull: true,
    pollingIntervalSeconds: 0.5,
  } as const;
}

/**
 * Inserts `tasks` jobs, then times from `work()` until every job is in state completed. pg-boss
 * completes a batch after its handler resolves and reports nothing after that commit, so the end
 * is the first poll (every 1 ms, once every handler has run) that counts them all completed.
 */
export async function pgBossThroughput(
  server: string,
  tasks: number,
  config: PgBossConfig,
): Promise<ThroughputRun> {
  const database = await createBenchDatabase(server, "pgboss");
  const watcher = new pg.Client({ connectionString: database.url });
  const boss = await startBoss(database.url);
  try {
    const enqueuePerS = await timeEnqueue(tasks, enqueueChunk, async (n) => {
      await boss.insert(
        queue,
        Array.from({ length: n }, () => ({ data: {} })),
      );
    });
    await checkpoint(server);
    await watcher.connect();

    let handled = 0;
    const allHandled = deferred();
    const cpuWatch = await watchCpu(server);
    const t0 = performance.now();
    await boss.work(queue, workOptions(config), async (jobs) => {
      handled += jobs.length;
      if (handled >= tasks) allHandled.resolve();
    });
    await within(allHandled.promise, 120_000, `running ${tasks} pg-boss jobs`);
    await pollUntil(async () => (await countCompleted(watcher)) === tasks, "the completion of every job");
    const drainMs = performance.now() - t0;
    const cpu = await cpuWatch.stop([watcherPid(watcher)]);
    const { rows } = await watcher.query<{ state: string; n: string }>(
      "SELECT state, count(*) AS n FROM pgboss.job WHERE name = $1 GROUP BY state",
      [queue],
    );
    if (rows.length !== 1 || rows[0]!.state !== "completed" || Number(rows[0]!.n) !== tasks)
      throw new Error(`pg-boss jobs are not all completed: ${JSON.stringify(rows)}`);
    return { tasks, enqueuePerS, drainMs, tasksPerS: tasks / (drainMs / 1000), cpu };
  } finally {
    await boss.stop({ graceful: true, timeout: 5_000 });
    await watcher.end().catch(() => {});
    await database.drop();
  }
}

async function countCompleted(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'",
    [queue],
  );
  return Number(rows[0]!.n);
}

/** Pickup latency with the same configuration: idle workers woken by pg-boss's NOTIFY. */
export async function pgBossPickup(
  server: string,
  count: number,
  perSecond: number,
  config: PgBossConfig,
  warmup: number,
): Promise<PickupSamples> {
  const database = await createBenchDatabase(server, "pgboss");
  const boss = await startBoss(database.url);
  try {
    const recorder = new PickupRecorder(count, warmup);
    await boss.work<PickupPayload>(queue, workOptions(config), async (jobs) => {
      const now = nowMs();
      for (const job of jobs) recorder.record(job.data, now);
    });
    const cpuWatch = await watchCpu(server);
    const enqueueMs = await recorder.offer(perSecond, (payload) => boss.send(queue, payload));
    await recorder.started(30_000, `the start of ${count} pg-boss pickup jobs`);
    return { pickupMs: recorder.latencies, enqueueMs, cpu: await cpuWatch.stop() };
  } finally {
    await boss.stop({ graceful: true, timeout: 5_000 });
    await database.drop();
  }
}
