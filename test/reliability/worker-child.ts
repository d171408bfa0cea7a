import { builtInKinds } from "../../src/app/built-in-kinds.ts";
import { createDeps } from "../../src/app/create-deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import { TaskKindRegistry } from "../../src/tasks/task-kinds.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";

const [url, enqueueCount] = process.argv.slice(2);
const config = configSchema.parse({
  database: { url },
  workers: { leaseMs: 1_500, heartbeatMs: 300, maintenanceMs: 300, pollMs: 100, concurrency: 20 },
  tasks: { retry: { baseDelayMs: 10, maxDelayMs: 100 } },
});
const db = await openDatabase({ config: config.database });
const kinds = new TaskKindRegistry(builtInKinds).register({
  name: "logged",
  description: "records each run, then takes 2–8 ms",
  async run(task, { workerId }) {
    await db.query("INSERT INTO handler_runs (task_id, attempt, worker_id) VALUES ($1, $2, $3)", [
      task.id,
      task.attempt,
      workerId,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 6));
    return null;
  },
});
const deps = createDeps({ config, db, kinds: [...kinds.all()] });
const pool = new WorkerPool(deps);
await pool.start();
console.log(`ready ${pool.workerId}`);
if (enqueueCount === "drain") {
  const timer = setInterval(async () => {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM execution_tasks WHERE status NOT IN ('succeeded', 'failed', 'cancelled')",
    );
    if (rows[0]!.n > 0) return;
    clearInterval(timer);
    await pool.stop();
    await db.close();
    console.log("drained");
    process.exit(0);
  }, 100);
} else if (enqueueCount) {
  for (let i = 0; i < Number(enqueueCount); i++) {
    const [task] = await enqueueTasks(deps, [{ kind: "logged" }]);
    console.log(`ack ${task!.id}`);
  }
  console.log("enqueued");
}
process.on("SIGTERM", async () => {
  await pool.stop();
  await db.close();
  process.exit(0);
});
