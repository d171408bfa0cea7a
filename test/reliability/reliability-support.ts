import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Database } from "../../src/db/database.ts";

const child = fileURLToPath(new URL("./worker-child.ts", import.meta.url));
const tsx = import.meta.resolve("tsx");

export interface WorkerChild {
  process: ChildProcess;
  /** Lines printed so far. */
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

export function spawnWorker(url: string, mode?: number | "drain"): WorkerChild {
  const proc = spawn(process.execPath, ["--import", tsx, child, url, ...(mode ? [String(mode)] : [])], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let buffer = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  proc.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      if (line.startsWith("ready ")) markReady();
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { process: proc, lines, ready, exited };
}

export async function createRunLog(db: Database): Promise<void> {
  await db.exec(
    "CREATE TABLE handler_runs (task_id bigint NOT NULL, attempt integer NOT NULL, worker_id text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())",
  );
}

/** Every task's attempts and handler runs, checked for "succeeded exactly once, re-run only after a lost lease". */
export async function auditRuns(db: Database) {
  const { rows } = await db.query<{ status: string; n: number }>(
    "SELECT status, count(*)::int AS n FROM execution_tasks GROUP BY status",
  );
  const succeededAttempts = await db.query<{ task_id: number; n: number }>(
    "SELECT task_id, count(*)::int AS n FROM task_attempts WHERE outcome = 'succeeded' GROUP BY task_id HAVING count(*) <> 1",
  );
  const otherOutcomes = await db.query<{ outcome: string; n: number }>(
    "SELECT outcome, count(*)::int AS n FROM task_attempts WHERE outcome <> 'succeeded' GROUP BY outcome",
  );
  // A handler run whose attempt number repeats means two runs inside one lease: never allowed.
  const doubleRuns = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM (SELECT task_id, attempt FROM handler_runs GROUP BY 1, 2 HAVING count(*) > 1) x",
  );
  // Every run but a task's last must belong to an attempt recorded as lost.
  const rerunsWithoutLostLease = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM handler_runs r JOIN execution_tasks t ON t.id = r.task_id
      WHERE r.attempt < t.attempts
        AND NOT EXISTS (SELECT 1 FROM task_attempts a WHERE a.task_id = r.task_id AND a.attempt = r.attempt AND a.outcome = 'lease_lost')`,
  );
  const runs = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM handler_runs");
  return {
    statuses: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    tasksNotSucceededExactlyOnce: succeededAttempts.rows.length,
    otherOutcomes: Object.fromEntries(otherOutcomes.rows.map((r) => [r.outcome, r.n])),
    doubleRuns: doubleRuns.rows[0]!.n,
    rerunsWithoutLostLease: rerunsWithoutLostLease.rows[0]!.n,
    runs: runs.rows[0]!.n,
  };
}
