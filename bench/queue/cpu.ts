import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import pg from "pg";

/** CPU used while something was timed. */
export interface CpuUse {
  /** This Node process. */
  nodeMs: number;
  /** The PostgreSQL backends of the benchmark's databases; null on PGlite (it runs in this process). */
  serverMs: number | null;
  /**
   * Everything else the machine did meanwhile (other programs, other databases' backends), as a
   * share of all its CPUs: on two cores, a test suite running beside the benchmark halves
   * whichever system is being timed, so runs with much of it are repeated.
   */
  otherShare: number;
  /** WAL the PostgreSQL server wrote meanwhile (the whole cluster's), in bytes; null on PGlite. */
  walBytes: number | null;
}

/** Benchmark databases are named bench_<system>_<hex> (bench-database.ts). */
const ourBackends =
  "SELECT pid FROM pg_stat_activity WHERE datname LIKE 'bench\\_%' AND pid <> pg_backend_pid()";

/**
 * Starts counting CPU time: this process's (process.cpuUsage), the machine's (/proc/stat) and,
 * given the PostgreSQL server's URL, that of every backend connected to a benchmark database,
 * read from /proc (the server is on this machine). Backends opened after the start count from
 * zero. `exclude` names backends that are the benchmark's own watchers, left out of the count.
 */
export async function watchCpu(
  server: string | null,
): Promise<{ stop(exclude?: number[]): Promise<CpuUse> }> {
  const client =
    server === null
      ? null
      : new pg.Client({ connectionString: server, application_name: "steward-bench-cpu" });
  await client?.connect();
  const pids = async () => (await client!.query<{ pid: number }>(ourBackends)).rows.map((r) => r.pid);
  const walPosition = async () =>
    (await client!.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0]!.lsn;
  const before = new Map<number, number>();
  if (client) for (const pid of await pids()) before.set(pid, cpuMsOf(pid));
  const wal0 = client ? await walPosition() : null;
  const machine0 = machineBusyMs();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    async stop(exclude = []) {
      const node = process.cpuUsage(node0);
      const machine = machineBusyMs() - machine0;
      const wallMs = performance.now() - t0;
      let serverMs: number | null = null;
      let walBytes: number | null = null;
      if (client) {
        serverMs = 0;
        for (const pid of await pids())
          if (!exclude.includes(pid)) serverMs += cpuMsOf(pid) - (before.get(pid) ?? 0);
        const { rows } = await client.query<{ bytes: string }>(
          "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes",
          [wal0],
        );
        walBytes = Number(rows[0]!.bytes);
        await client.end();
      }
      const nodeMs = (node.user + node.system) / 1000;
      const other = Math.max(0, machine - nodeMs - (serverMs ?? 0));
      return { nodeMs, serverMs, otherShare: other / (wallMs * availableParallelism()), walBytes };
    },
  };
}

/** The backend of a benchmark's own connection (pg keeps it as processID), to leave out of the count. */
export function watcherPid(client: pg.Client): number {
  return (client as unknown as { processID: number }).processID;
}

/** utime + stime of a process, in ms (clock ticks of 10 ms: CLK_TCK is 100 on Linux). */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine since boot, in ms (NaN off Linux). */
function machineBusyMs(): number {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
  } catch {
    return Number.NaN;
  }
}
