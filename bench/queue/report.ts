import type { ThroughputRun } from "./harness.ts";
import { type Comparison, comparisons, type Metric, ratio, type Spread } from "./rounds.ts";
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

/** A system's figures in one round: its best configuration's drain, and its pickup measurement. */
export interface RoundFigures {
  tasksPerS: number;
  pickup: Pickup;
  enqueue: Pickup;
}

export interface SystemResult {
  system: string;
  backend: string;
  /** The configuration with the highest median throughput over the rounds. */
  best: ConfigResult;
  sweep: ConfigResult[];
  /** Round by round, in the order they ran; comparisons divide figures of the same round. */
  perRound: RoundFigures[];
  /** The median over the rounds of each percentile. */
  pickup: Pickup;
  /** How long each single enqueue of the pickup measurement took to commit (median over the rounds). */
  enqueue: Pickup;
  /** The most CPU other work on the machine took during a pickup measurement (share of the machine). */
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

const ratioDigits = (n: number) => Number(n.toFixed(3));
const spreadJson = (s: Spread) => ({
  median: ratioDigits(s.median),
  min: ratioDigits(s.min),
  max: ratioDigits(s.max),
});

/**
 * Ratios of a PostgreSQL system to each peer other than itself, per metric: median of the
 * per-round ratios with their min and max. PGlite has none (its figures are absolute).
 */
function ratiosJson(r: SystemResult, results: SystemResult[]) {
  const out: Record<string, Record<string, ReturnType<typeof spreadJson>>> = {};
  if (r.backend !== "postgres") return out;
  for (const peer of results) {
    if (peer === r || peer.backend !== "postgres" || peer.system === "steward") continue;
    const keys: [Metric, string][] = [
      ["tasks/s", "tasks_per_s"],
      ["pickup p50", "pickup_p50"],
      ["pickup p99", "pickup_p99"],
    ];
    out[peer.system] = Object.fromEntries(
      keys.map(([metric, key]) => [key, spreadJson(ratio(r, peer, metric))]),
    );
  }
  return out;
}

export function jsonLines(results: SystemResult[]): string {
  return results
    .map((r) => {
      const ratios = ratiosJson(r, results);
      const toGraphile = ratios["graphile-worker"]?.tasks_per_s ?? null;
      const perRound = r.perRound.map((f) => f.tasksPerS);
      return JSON.stringify({
        system: r.system,
        backend: r.backend,
        rounds: r.perRound.length,
        tasks_per_s: round(r.best.tasksPerS),
        tasks_per_s_min: round(Math.min(...perRound)),
        tasks_per_s_max: round(Math.max(...perRound)),
        // Throughput ÷ graphile-worker's in the same round: the median of the rounds' ratios.
        ratio_to_graphile_median: toGraphile?.median ?? null,
        ratio_min: toGraphile?.min ?? null,
        ratio_max: toGraphile?.max ?? null,
        ratios,
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
        rounds_pickup_p50_ms: r.perRound.map((f) => Number(f.pickup.p50.toFixed(2))),
        rounds_pickup_p99_ms: r.perRound.map((f) => Number(f.pickup.p99.toFixed(2))),
        sweep: r.sweep.map((c) => ({
          config: c.config,
          tasks_per_s: round(c.tasksPerS),
          runs_tasks_per_s: c.runs.map((run) => round(run.tasksPerS)),
        })),
      });
    })
    .join("\n");
}

export function table(results: SystemResult[]): string {
  const lines: string[] = [];
  lines.push(
    markdownTable(
      [
        "system",
        "backend",
        "tasks/s (median of rounds)",
        "min–max",
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
        `${thousands(Math.min(...r.perRound.map((f) => f.tasksPerS)))}–${thousands(Math.max(...r.perRound.map((f) => f.tasksPerS)))}`,
        thousands(r.best.enqueuePerS),
        ms(r.pickup.p50),
        ms(r.pickup.p95),
        ms(r.pickup.p99),
        `${ms(r.enqueue.p50)} / ${ms(r.enqueue.p99)}`,
        cpuPerTask(r.best),
        r.best.walBytesPerTask === null ? "—" : thousands(r.best.walBytesPerTask),
        r.best.config,
      ]),
      [false, false, true, true, true, true, true, true, true, true, true, false],
    ),
  );
  const swept = results.filter((r) => r.sweep.length > 1);
  if (swept.length > 0) {
    lines.push("", "Configurations tried (tasks/s in each round; the best median is kept):", "");
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
    "Round by round (each system's best configuration; pickup p50 / p99 ms):",
    "",
    roundsTable(results),
    "",
    "Comparisons: the median of the per-round ratios (figures of the same round), with their min–max:",
    "",
    comparisonsTable(comparisons(results)),
    "",
    ...pickupConfigs(results),
    "",
    `Other work on the machine took at most ${(100 * other).toFixed(0)} % of its CPU during a kept run.`,
    "",
    ...verdicts(results),
  );
  return lines.join("\n");
}

function roundsTable(results: SystemResult[]): string {
  const rounds = Math.max(...results.map((r) => r.perRound.length));
  const header = ["round", ...results.map((r) => `${r.system} (${r.backend})`)];
  const rows = Array.from({ length: rounds }, (_, i) => [
    String(i + 1),
    ...results.map((r) => {
      const f = r.perRound[i];
      return f ? `${thousands(f.tasksPerS)} tasks/s, ${ms(f.pickup.p50)} / ${ms(f.pickup.p99)}` : "—";
    }),
  ]);
  return markdownTable(header, rows, [true, ...results.map(() => true)]);
}

const times = (n: number) => `×${n.toFixed(2)}`;

function comparisonsTable(list: Comparison[]): string {
  const rows = list.map((c) => {
    const show =
      c.peer === null ? (c.metric === "tasks/s" ? thousands : (n: number) => `${ms(n)} ms`) : times;
    const what =
      c.peer === null
        ? `${c.system.system} on ${c.system.backend}: ${c.metric}`
        : `${c.system.system} ÷ ${c.peer.system} on PostgreSQL: ${c.metric}`;
    return [
      what,
      show(c.value.median),
      `${show(c.value.min)}–${show(c.value.max)}`,
      c.value.perRound.map(show).join(", "),
    ];
  });
  return markdownTable(["comparison", "median", "min–max", "per round"], rows, [false, true, true, false]);
}

function pickupConfigs(results: SystemResult[]): string[] {
  return ["Pickup configurations:", ...results.map((r) => `- ${r.system} (${r.backend}): ${r.pickupConfig}`)];
}

/** The targets, checked against the medians of the per-round ratios. */
export function verdicts(results: SystemResult[]): string[] {
  const list = comparisons(results);
  const find = (peer: string | null, metric: Metric) =>
    list.find((c) => (c.peer?.system ?? null) === peer && c.metric === metric)?.value;
  const out: string[] = [];
  const throughput = find("graphile-worker", "tasks/s");
  const p99 = find("graphile-worker", "pickup p99");
  if (throughput && p99) {
    const met = throughput.median >= 1.1 && p99.median <= 1;
    out.push(
      `Target (PostgreSQL, medians of the per-round ratios to graphile-worker: throughput ≥ ×1.10, pickup p99 ≤ ×1.00): ${met ? "met" : "NOT met"} (${times(throughput.median)}, ${times(p99.median)})`,
    );
  }
  const lite = find(null, "tasks/s");
  if (lite) {
    out.push(
      `Target (PGlite ≥ 20,000 tasks/s, median of the rounds): ${lite.median >= 20_000 ? "met" : "NOT met"} (${thousands(lite.median)})`,
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
