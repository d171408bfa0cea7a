/**
 * One Steward drain with the engine found under STEWARD_ENGINE_ROOT (a checkout: its src/,
 * migrations/ and bench/queue/steward.ts), for bench/engines.ts, which runs this file once per
 * drain in a fresh process. Prints one JSON line: tasks/s, CPU per task, WAL per task, claims.
 */
import { checkpoint } from "./bench-database.ts";
import { watchCpu } from "./cpu.ts";
import { deferred, within } from "./harness.ts";

const root = process.env.STEWARD_ENGINE_ROOT ?? new URL("../..", import.meta.url).pathname;
const backend = process.env.STEWARD_BENCH_BACKEND === "pglite" ? "pglite" : "postgres";
const server = process.env.STEWARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const tasks = Number(process.env.STEWARD_BENCH_TASKS ?? 20_000);
const pools = Number(process.env.STEWARD_BENCH_POOLS ?? 1);
const concurrency = Number(process.env.STEWARD_BENCH_CONCURRENCY ?? 1_000);
const claimBatch = Number(process.env.STEWARD_BENCH_CLAIM_BATCH ?? concurrency);

// The engine under test is imported from its own checkout, so that two versions can be compared.
const { openSteward, warmPool } = await import(`${root}/bench/queue/steward.ts`);
const { enqueueTasks } = await import(`${root}/src/tasks/enqueue-tasks.ts`);
const { WorkerPool } = await import(`${root}/src/workers/worker-pool.ts`);

const steward = await openSteward(backend, server);
try {
  const { deps } = steward;
  for (let done = 0; done < tasks; done += 2_000)
    await enqueueTasks(
      deps,
      Array.from({ length: Math.min(2_000, tasks - done) }, () => ({ kind: "noop" })),
    );
  if (backend === "postgres") {
    await checkpoint(server);
    await warmPool(deps.db, deps.config.database.poolSize);
  }
  const workers = Array.from(
    { length: pools },
    (_, i) => new WorkerPool(deps, { workerId: `bench-${i}`, concurrency, claimBatch }),
  );
  const allRecorded = deferred();
  let recorded = 0;
  let claims = 0;
  for (const pool of workers) {
    pool.on("claimed", () => {
      claims += 1;
    });
    pool.on("recorded", (completed: unknown[]) => {
      recorded += completed.length;
      if (recorded >= tasks) allRecorded.resolve();
    });
    pool.on("error", (error: unknown) => allRecorded.reject(error));
  }
  globalThis.gc?.();
  const cpuWatch = await watchCpu(backend === "postgres" ? server : null);
  const t0 = performance.now();
  await Promise.all(workers.map((pool) => pool.start()));
  await within(allRecorded.promise, 120_000, `recording ${tasks} attempts`);
  const drainMs = performance.now() - t0;
  const cpu = await cpuWatch.stop();
  await Promise.all(workers.map((pool) => pool.stop()));
  const { rows } = await deps.db.query(
    "SELECT (SELECT count(*) FROM task_attempts WHERE outcome = 'succeeded') AS attempts",
  );
  if (Number(rows[0].attempts) !== tasks)
    throw new Error(`${rows[0].attempts} attempt rows after the drain; expected ${tasks}`);
  process.stdout.write(
    `${JSON.stringify({
      tasksPerS: tasks / (drainMs / 1000),
      nodeCpuUs: (1000 * cpu.nodeMs) / tasks,
      serverCpuUs: cpu.serverMs === null ? null : (1000 * cpu.serverMs) / tasks,
      walBytes: cpu.walBytes === null ? null : cpu.walBytes / tasks,
      otherShare: cpu.otherShare,
      tasksPerClaim: tasks / claims,
    })}\n`,
  );
} finally {
  await steward.close();
}
