import type { Metrics } from "./metrics.ts";
import type { ScenarioResult } from "./results.ts";
import { defaultPrice } from "./sweep.ts";
import { stagesOf } from "./world.ts";

/** The suite's output: tables for people, one JSON object per line for programs. */

/**
 * Every strategy on every scenario of a world, Steward at the default price of lateness: weighted
 * tardiness, misses, cost, completion times overall and per stage, failures.
 */
export function strategyTable(results: readonly ScenarioResult[]): string {
  const out: string[] = [];
  for (const result of results) {
    const stages = stagesOf(result.world);
    const stageHeads = stages.map((stage) => `${stage} p50/p95`);
    const widths = stageHeads.map((h) => Math.max(h.length, 12));
    const rows = [...result.baselines, { strategy: "steward", metrics: atDefault(result) }];
    out.push(
      `${result.scenario.name}: ${result.scenario.description} (${Math.round(rows[0]!.metrics.tasks)} tasks on average, seeds ${result.seeds.join(", ")})`,
      [
        "strategy".padEnd(24),
        "w. tardiness".padStart(13),
        "miss".padStart(6),
        "cost $".padStart(8),
        "p50 s".padStart(6),
        "p95 s".padStart(6),
        ...stageHeads.map((h, i) => h.padStart(widths[i]!)),
        "failed att.".padStart(11),
        "failed tasks".padStart(12),
      ].join(" "),
    );
    for (const { strategy, metrics: m } of rows) {
      out.push(
        [
          strategy.padEnd(24),
          thousands(m.weighted_tardiness).padStart(13),
          `${(m.deadline_miss_rate * 100).toFixed(1)}%`.padStart(6),
          m.cost.toFixed(2).padStart(8),
          m.p50_completion_s.toFixed(0).padStart(6),
          m.p95_completion_s.toFixed(0).padStart(6),
          ...stages.map((stage, i) => {
            const s = m.stages[stage]!;
            return `${s.p50_s.toFixed(0)}/${s.p95_s.toFixed(0)}`.padStart(widths[i]!);
          }),
          m.failed_attempts.toFixed(0).padStart(11),
          m.failed_tasks.toFixed(1).padStart(12),
        ].join(" "),
      );
    }
    out.push("");
  }
  return out.join("\n");
}

/** Each world (what it is, whether it was written before the scheduler changed), then its verdicts. */
export function verdictTable(results: readonly ScenarioResult[]): string {
  const out = [
    `Target at the default price of lateness ($${defaultPrice}/weighted min): Steward's weighted tardiness ≤ 0.7 × the best baseline's (lowest weighted tardiness) at ≤ 1.05 × its cost.`,
    "Dominates: for every baseline's point, some point of Steward's curve costs no more and is no later.",
  ];
  for (const world of [...new Set(results.map((r) => r.world))]) {
    const here = results.filter((r) => r.world === world);
    out.push(
      "",
      `${world.name}: ${world.description}`,
      `  written before the scheduler changes: ${world.writtenBeforeSchedulerChanges ? "yes" : "no"}; seeds ${here[0]!.seeds.join(", ")}`,
      [
        "  scenario".padEnd(22),
        "best baseline".padEnd(24),
        "its w. tard.".padStart(13),
        "its cost".padStart(9),
        "Steward".padStart(13),
        "cost".padStart(9),
        "w.t. ratio".padStart(10),
        "cost ratio".padStart(10),
        "target".padEnd(7),
        "dominates",
      ].join(" "),
    );
    for (const { scenario, verdict: v } of here) {
      out.push(
        [
          `  ${scenario.name}`.padEnd(22),
          v.best.strategy.padEnd(24),
          thousands(v.best.weightedTardiness).padStart(13),
          `$${v.best.cost.toFixed(2)}`.padStart(9),
          thousands(v.atDefault.weightedTardiness).padStart(13),
          `$${v.atDefault.cost.toFixed(2)}`.padStart(9),
          v.tardinessRatio.toFixed(2).padStart(10),
          v.costRatio.toFixed(2).padStart(10),
          (v.targetMet ? "met" : "missed").padEnd(7),
          v.dominates ? "yes" : `no (not dominated: ${v.notDominated.join(", ")})`,
        ].join(" "),
      );
    }
  }
  const met = results.filter((r) => r.verdict.targetMet).length;
  const dominated = results.filter((r) => r.verdict.dominates).length;
  out.push(
    "",
    `Target met on ${met} of ${results.length} scenarios; every baseline dominated on ${dominated} of ${results.length}.`,
  );
  return out.join("\n");
}

/** One JSON object per line: each baseline's point, each point of Steward's curve, each verdict. */
export function jsonLines(results: readonly ScenarioResult[]): string {
  return results
    .flatMap((r) => {
      const where = {
        world: r.world.name,
        scenario: r.scenario.name,
        load: r.scenario.load?.share ?? null,
        seeds: r.seeds,
      };
      const v = r.verdict;
      return [
        ...r.baselines.map((b) => ({
          type: "baseline",
          ...where,
          strategy: b.strategy,
          ...metricsJson(b.metrics),
        })),
        ...r.curve.map((c) => ({
          type: "curve",
          ...where,
          strategy: "steward",
          price_of_lateness: c.priceOfLateness,
          default_price: c.priceOfLateness === defaultPrice,
          ...metricsJson(c.metrics),
        })),
        {
          type: "verdict",
          ...where,
          written_before_scheduler_changes: r.world.writtenBeforeSchedulerChanges,
          default_price: defaultPrice,
          best_baseline: v.best.strategy,
          best_baseline_weighted_tardiness: round(v.best.weightedTardiness, 1),
          best_baseline_cost: round(v.best.cost, 4),
          steward_weighted_tardiness: round(v.atDefault.weightedTardiness, 1),
          steward_cost: round(v.atDefault.cost, 4),
          tardiness_ratio: round(v.tardinessRatio, 4),
          cost_ratio: round(v.costRatio, 4),
          target_met: v.targetMet,
          dominates: v.dominates,
          not_dominated: v.notDominated,
        },
      ];
    })
    .map((line) => JSON.stringify(line))
    .join("\n");
}

function atDefault(result: ScenarioResult): Metrics {
  return result.curve.find((c) => c.priceOfLateness === defaultPrice)!.metrics;
}

function metricsJson(m: Metrics) {
  return {
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
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}
