import { type Command, Option } from "commander";
import type { TargetCheck } from "../../telemetry/targets.ts";
import { formatMeasure } from "../../telemetry/targets.ts";
import type { Measures, Percentiles } from "../../telemetry/task-measures.ts";
import { statsDimensions } from "../../telemetry/task-measures.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { commaList } from "../parse-options.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

interface StatsOptions {
  since?: string;
  until?: string;
  by?: (typeof statsDimensions)[number];
  stage?: string[];
  kind?: string[];
  model?: string[];
}

/** `steward stats`: measures of finished attempts over a window, from the rollups. */
export function registerStatsCommand(program: Command, io: CommandIo): void {
  program
    .command("stats")
    .description("measures of finished attempts over a window: throughput, success, durations, cost")
    .option("--since <window>", "a duration back from now (5m, 1h, 1d, 30d, 2w) or an ISO time", "1h")
    .option("--until <time>", "an ISO time (default: now)")
    .addOption(
      new Option("--by <dimension>", "one row per stage, kind, model or idea").choices(statsDimensions),
    )
    .option("--stage <stages>", "only these stages, comma-separated", commaList)
    .option("--kind <kinds>", "only these kinds, comma-separated", commaList)
    .option("--model <models>", "only these models, comma-separated (none: attempts on no model)", commaList)
    .action(async (opts: StatsOptions, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "stats", needsSchema: true }, async (client) => {
        const answer = await client.stats(opts);
        if (options.json) return io.out(JSON.stringify(answer));
        const { window } = answer;
        io.out(`From ${window.from} to ${window.to} (${window.grain} rollups)\n`);
        if (answer.rows.every((r) => r.attempts === 0)) io.out("No attempt finished in this window.");
        else io.out(renderStatsTable(answer.rows, answer.by, tableWidth(io, options)));
        if (answer.targets.length > 0)
          io.out(
            `\nTargets over this window:\n${renderTargetsTable(answer.targets, tableWidth(io, options))}`,
          );
      });
    });
}

const percent = (share: number | null) => (share === null ? "" : `${(100 * share).toFixed(1)}%`);
const duration = (ms: number | null) =>
  ms === null
    ? ""
    : ms < 1_000
      ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
      : `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const usd = (value: number | null) =>
  value === null ? "" : `$${value < 10 ? value.toFixed(4) : value.toFixed(2)}`;
const spread = (p: Jsonified<Percentiles>) => [
  duration(p.avg),
  duration(p.p50),
  duration(p.p95),
  duration(p.p99),
];

export function renderStatsTable(rows: Jsonified<Measures>[], by: string | null, width?: number): string {
  return renderTable(
    [
      by ?? "all",
      "attempts",
      "succeeded",
      "success",
      "retries",
      "per min",
      "avg",
      "p50",
      "p95",
      "p99",
      "wait p95",
      "tokens in/out",
      "cost",
      "$/success",
      "late",
    ],
    rows.map((r) => [
      r.group ?? (by === "model" ? "none" : "all"),
      r.attempts,
      r.succeeded,
      percent(r.successRate),
      percent(r.retryRate),
      r.throughputPerMinute.toFixed(r.throughputPerMinute < 10 ? 2 : 0),
      ...spread(r.durationMs),
      duration(r.queueWaitMs.p95),
      `${r.inputTokens}/${r.outputTokens}`,
      usd(r.costUsd),
      usd(r.costPerSuccessUsd),
      r.deadlineMisses,
    ]),
    { width },
  );
}

const targetMark = { met: "✓", breached: "✗", no_data: "no data" } as const;

/** Each target's measure beside its value over the window: `p95 duration  4.2 s  ≤ 3 s  ✗`. */
export function renderTargetsTable(checks: Jsonified<TargetCheck>[], width?: number): string {
  return renderTable(
    ["stage", "kind", "measure", "observed", "target", "", "attempts"],
    checks.map((c) => [
      c.stage ?? "any",
      c.kind ?? "any",
      c.measure,
      c.observed === null ? "" : formatMeasure(c.measure, c.observed),
      `${c.bound === "floor" ? "≥" : "≤"} ${formatMeasure(c.measure, c.target)}`,
      targetMark[c.status],
      c.attempts,
    ]),
    { width },
  );
}
