import type { ThroughputRun } from "./harness.ts";
import type { Pickup } from "./stats.ts";

/** The timed drains of one configuration; the median run is the configuration's figure. */
export interface ConfigResult {
  config: string;
  runs: ThroughputRun[];
  tasksPerS: number;
  enqueuePerS: number;
  /** CPU per task during the drains (median of the runs): this Node process, and PostgreSQL's backends. */
  nodeCpuUs: number;
  serverCpuUs: number | null;
  /** WAL written per task during the drains (median of the runs; the whole cluster's). */
  walBytesPerTask: number | null;
  /** The most CPU that other work on the machine took during one of these runs (share of the machine). */
  otherShare: number;
}

export interface SystemResult {
  system: string;
  backend: string;
  /** The configuration with the highest median throughput. */
  best: ConfigResult;
  sweep: ConfigResult[];
  pickup: Pickup;
  /** How long each single enqueue of the pickup measurement took to commit. */
  enqueue: Pickup;
  /** CPU share other work on the machine took during the pickup measurement. */
  pickupOtherShare: number;
  pickupConfig: string;
}

const round = (n: number) => Math.round(n);
const ms = (n: number) => (Number.isNaN(n) ? "—" : n.toFixed(1));
const thousands = (n: number) => round(n).toLocaleString("en-US");
const cpuPerTask = (c: ConfigResult) =>
  c.serverCpuUs === null
    ? `${c.nodeCpuUs.toFixed(0)} (one process)`
    : `${c.nodeCpuUs.toFixed(0)} + ${c.serverCpuUs.toFixed(0)}`;

export function jsonLines(results: SystemResult[]): string {
  return results
    .map((r) =>
      JSON.stringify({
        system: r.system,
        backend: r.backend,
        tasks_per_s: round(r.best.tasksPerS),
        enqueue_tasks_per_s: round(r.best.enqueuePerS),
        node_cpu_us_per_task: Number(r.best.nodeCpuUs.toFixed(1)),
        postgres_cpu_us_per_task: r.best.serverCpuUs === null ? null : Number(r.best.serverCpuUs.toFixed(1)),
        wal_bytes_per_task: r.best.walBytesPerTask === null ? null : Math.round(r.best.walBytesPerTask),
        pickup_p50_ms: Number(r.pickup.p50.toFixed(2)),
        pickup_p95_ms: Number(r.pickup.p95.toFixed(2)),
        pickup_p99_ms: Number(r.pickup.p99.toFixed(2)),
        pickup_max_ms: Number(r.pickup.max.toFixed(2)),
        single_enqueue_p50_ms: Number(r.enqueue.p50.toFixed(2)),
        single_enqueue_p99_ms: Number(r.enqueue.p99.toFixed(2)),
        other_work_share_max: Number(Math.max(r.best.otherShare, r.pickupOtherShare).toFixed(3)),
        pickup_samples: r.pickup.samples,
        config: r.best.config,
        pickup_config: r.pickupConfig,
        tasks: r.best.runs[0]?.tasks ?? 0,
        runs_tasks_per_s: r.best.runs.map((run) => round(run.tasksPerS)),
        sweep: r.sweep.map((c) => ({
          config: c.config,
          tasks_per_s: round(c.tasksPerS),
          runs_tasks_per_s: c.runs.map((run) => round(run.tasksPerS)),
        })),
      }),
    )
    .join("\n");
}

export function table(results: SystemResult[]): string {
  const lines: string[] = [];
  lines.push(
    markdownTable(
      [
        "system",
        "backend",
        "tasks/s (median)",
        "enqueue tasks/s",
        "pickup p50 ms",
        "p95 ms",
        "p99 ms",
        "single enqueue p50 / p99 ms",
        "CPU µs/task: Node + PostgreSQL",
        "WAL bytes/task",
        "configuration",
      ],
      results.map((r) => [
        r.system,
        r.backend,
        thousands(r.best.tasksPerS),
        thousands(r.best.enqueuePerS),
        ms(r.pickup.p50),
        ms(r.pickup.p95),
        ms(r.pickup.p99),
        `${ms(r.enqueue.p50)} / ${ms(r.enqueue.p99)}`,
        cpuPerTask(r.best),
        r.best.walBytesPerTask === null ? "—" : thousands(r.best.walBytesPerTask),
        r.best.config,
      ]),
      [false, false, true, true, true, true, true, true, true, true, false],
    ),
  );
  const swept = results.filter((r) => r.sweep.length > 1);
  if (swept.length > 0) {
    lines.push("", "Configurations tried (tasks/s of each run; the median is kept):", "");
    lines.push(
      markdownTable(
        ["system", "backend", "configuration", "runs", "median", "CPU µs/task"],
        swept.flatMap((r) =>
          r.sweep.map((c) => [
            r.system,
            r.backend,
            c.config,
            c.runs.map((run) => thousands(run.tasksPerS)).join(" / "),
            thousands(c.tasksPerS),
            cpuPerTask(c),
          ]),
        ),
        [false, false, false, true, true, true],
      ),
    );
  }
  const other = Math.max(
    ...results.flatMap((r) => [r.pickupOtherShare, ...r.sweep.map((c) => c.otherShare)]),
  );
  lines.push(
    "",
    ...pickupConfigs(results),
    "",
    `Other work on the machine took at most ${(100 * other).toFixed(0)} % of its CPU during a kept run.`,
    "",
    ...verdicts(results),
  );
  return lines.join("\n");
}

function pickupConfigs(results: SystemResult[]): string[] {
  return ["Pickup configurations:", ...results.map((r) => `- ${r.system} (${r.backend}): ${r.pickupConfig}`)];
}

/** The issue's targets, checked against this run. */
export function verdicts(results: SystemResult[]): string[] {
  const find = (system: string, backend: string) =>
    results.find((r) => r.system === system && r.backend === backend);
  const out: string[] = [];
  const stewardPg = find("steward", "postgres");
  for (const peer of ["graphile-worker", "pg-boss"]) {
    const other = find(peer, "postgres");
    if (!stewardPg || !other) continue;
    const ratio = stewardPg.best.tasksPerS / other.best.tasksPerS;
    const p99 = stewardPg.pickup.p99 / other.pickup.p99;
    out.push(
      `Steward/${peer} on PostgreSQL: throughput ×${ratio.toFixed(2)}, pickup p99 ×${p99.toFixed(2)} (${ms(stewardPg.pickup.p99)} against ${ms(other.pickup.p99)} ms)`,
    );
  }
  const graphile = find("graphile-worker", "postgres");
  if (stewardPg && graphile) {
    const met =
      stewardPg.best.tasksPerS >= graphile.best.tasksPerS && stewardPg.pickup.p99 <= graphile.pickup.p99;
    out.push(
      `Target (PostgreSQL: throughput ≥ graphile-worker's, p99 pickup no worse): ${met ? "met" : "NOT met"}`,
    );
  }
  const stewardLite = find("steward", "pglite");
  if (stewardLite) {
    out.push(
      `Target (PGlite ≥ 15,000 tasks/s): ${stewardLite.best.tasksPerS >= 15_000 ? "met" : "NOT met"} (${thousands(stewardLite.best.tasksPerS)})`,
    );
  }
  return out;
}

function markdownTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const cell = (text: string, i: number) =>
    rightAligned[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
