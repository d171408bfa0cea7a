import type { Metrics } from "./metrics.ts";
import type { StrategyName } from "./strategies.ts";

/** One strategy on one workload: the mean of each metric over the seeds. */
export interface Cell {
  strategy: StrategyName;
  workload: string;
  seeds: number[];
  metrics: Metrics;
}

/** Steward against the best of the others on one workload. */
export interface Verdict {
  workload: string;
  steward: Metrics;
  bestOther: { strategy: StrategyName; metrics: Metrics };
  /** Steward's weighted tardiness ÷ the best other's. */
  ratio: number;
  met: boolean;
}

/** The target: weighted tardiness at least 30 % below the best other strategy's, at no more than its cost. */
export const targetRatio = 0.7;

export function verdicts(cells: readonly Cell[]): Verdict[] {
  const workloads = [...new Set(cells.map((c) => c.workload))];
  return workloads.flatMap((workload) => {
    const here = cells.filter((c) => c.workload === workload);
    const steward = here.find((c) => c.strategy === "steward");
    const others = here.filter((c) => c.strategy !== "steward");
    if (steward === undefined || others.length === 0) return [];
    const best = others.reduce((a, b) =>
      b.metrics.weighted_tardiness < a.metrics.weighted_tardiness ? b : a,
    );
    const ratio =
      best.metrics.weighted_tardiness === 0
        ? steward.metrics.weighted_tardiness === 0
          ? 1
          : Number.POSITIVE_INFINITY
        : steward.metrics.weighted_tardiness / best.metrics.weighted_tardiness;
    return [
      {
        workload,
        steward: steward.metrics,
        bestOther: { strategy: best.strategy, metrics: best.metrics },
        ratio,
        met: ratio <= targetRatio && steward.metrics.cost <= best.metrics.cost,
      },
    ];
  });
}

/** One JSON object per strategy and workload; Steward's also carries its verdict. */
export function jsonLines(cells: readonly Cell[], found: readonly Verdict[]): string {
  return cells
    .map((cell) => {
      const m = cell.metrics;
      const verdict =
        cell.strategy === "steward" ? found.find((v) => v.workload === cell.workload) : undefined;
      return JSON.stringify({
        strategy: cell.strategy,
        workload: cell.workload,
        seeds: cell.seeds,
        tasks: m.tasks,
        weighted_tardiness: round(m.weighted_tardiness, 1),
        deadline_miss_rate: round(m.deadline_miss_rate, 4),
        cost: round(m.cost, 4),
        p50_completion_s: round(m.p50_completion_s, 1),
        p95_completion_s: round(m.p95_completion_s, 1),
        stages: Object.fromEntries(
          Object.entries(m.stages).map(([stage, s]) => [
            stage,
            { p50_completion_s: round(s.p50_s, 1), p95_completion_s: round(s.p95_s, 1) },
          ]),
        ),
        attempts: round(m.attempts, 1),
        failed_attempts: round(m.failed_attempts, 1),
        failed_tasks: round(m.failed_tasks, 1),
        rejected_attempts: round(m.rejected, 1),
        server_errors: round(m.server_errors, 1),
        timeouts: round(m.timeouts, 1),
        rate_limited: round(m.rate_limited, 1),
        ...(verdict === undefined
          ? {}
          : {
              best_other: verdict.bestOther.strategy,
              ratio_to_best_other: round(verdict.ratio, 4),
              best_other_cost: round(verdict.bestOther.metrics.cost, 4),
              target_met: verdict.met,
            }),
      });
    })
    .join("\n");
}

export function table(
  cells: readonly Cell[],
  descriptions: ReadonlyMap<string, string>,
  found: readonly Verdict[],
  stageNames: readonly string[],
): string {
  const out: string[] = [];
  const stageHeads = stageNames.map((stage) => `${stage} p50/p95`);
  const head = [
    "strategy".padEnd(17),
    "w. tardiness".padStart(13),
    "miss".padStart(6),
    "cost $".padStart(7),
    "p50 s".padStart(6),
    "p95 s".padStart(6),
    ...stageHeads.map((h) => h.padStart(Math.max(h.length, 12))),
    "failed att.".padStart(11),
    "failed tasks".padStart(12),
  ];
  for (const workload of [...new Set(cells.map((c) => c.workload))]) {
    const here = cells.filter((c) => c.workload === workload);
    const first = here[0]!;
    out.push(
      `${workload}: ${descriptions.get(workload) ?? ""} (${Math.round(first.metrics.tasks)} tasks on average, seeds ${first.seeds.join(", ")})`,
    );
    out.push(head.join(" "));
    for (const cell of here) {
      const m = cell.metrics;
      out.push(
        [
          cell.strategy.padEnd(17),
          thousands(m.weighted_tardiness).padStart(13),
          `${(m.deadline_miss_rate * 100).toFixed(1)}%`.padStart(6),
          m.cost.toFixed(2).padStart(7),
          m.p50_completion_s.toFixed(0).padStart(6),
          m.p95_completion_s.toFixed(0).padStart(6),
          ...stageNames.map((stage, i) => {
            const s = m.stages[stage]!;
            return `${s.p50_s.toFixed(0)}/${s.p95_s.toFixed(0)}`.padStart(
              Math.max(stageHeads[i]!.length, 12),
            );
          }),
          m.failed_attempts.toFixed(0).padStart(11),
          m.failed_tasks.toFixed(1).padStart(12),
        ].join(" "),
      );
    }
    out.push("");
  }
  out.push(summary(found));
  return out.join("\n");
}

export function summary(found: readonly Verdict[]): string {
  const lines = [
    `Target: Steward's weighted tardiness at least ${Math.round((1 - targetRatio) * 100)} % below the best other strategy's, at no more than its cost`,
    [
      "workload".padEnd(17),
      "best other".padEnd(17),
      "its w. tard.".padStart(12),
      "Steward".padStart(10),
      "ratio".padStart(6),
      "its cost".padStart(9),
      "Steward cost".padStart(12),
      "target met",
    ].join(" "),
  ];
  for (const v of found) {
    lines.push(
      [
        v.workload.padEnd(17),
        v.bestOther.strategy.padEnd(17),
        thousands(v.bestOther.metrics.weighted_tardiness).padStart(12),
        thousands(v.steward.weighted_tardiness).padStart(10),
        v.ratio.toFixed(2).padStart(6),
        `$${v.bestOther.metrics.cost.toFixed(2)}`.padStart(9),
        `$${v.steward.cost.toFixed(2)}`.padStart(12),
        v.met
          ? "yes"
          : `NO (${v.ratio > targetRatio ? "tardiness" : ""}${v.ratio > targetRatio && v.steward.cost > v.bestOther.metrics.cost ? ", " : ""}${v.steward.cost > v.bestOther.metrics.cost ? "cost" : ""})`,
      ].join(" "),
    );
  }
  const met = found.filter((v) => v.met).length;
  lines.push(`Target met on ${met} of ${found.length} workloads.`);
  return lines.join("\n");
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}
