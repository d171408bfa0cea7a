/**
 * FSAR reports (docs/fsar.md) measured, two ways (docs/benchmarks.md, "FSAR reports"):
 * 1. The fault suite: per scenario a fresh database, a clean background workload run through the
 *    engine (bench/fsar/workload.ts), ONE fault injected (bench/fsar/scenarios.ts), a report
 *    written with writeReport, and the expected finding checked: its code, at least its
 *    severity, its blocking. Every other finding above severity 2 is a false positive; a report
 *    that blocks where the fault does not (or in the clean system) is a false block.
 *    PGlite by default; PostgreSQL with --postgres URL or $STEWARD_BENCH_DATABASE_URL.
 * 2. Scale (--scale, PostgreSQL): 1,000,000 tasks and their attempts over 30 days loaded in bulk
 *    (bench/fsar/scale.ts), then writeReport timed (median and max of 5), each assessor timed
 *    apart. Target: within 5 s.
 *
 * It is a measurement: misses are said loudly (MISS), and the exit code is 0 all the same.
 *
 *   npm run bench:fsar                                   the suite on PGlite, a table
 *   npm run bench:fsar -- --json                         one JSON object on stdout
 *   npm run bench:fsar -- --postgres postgres://…/db     the suite on PostgreSQL
 *   npm run bench:fsar -- --scale --postgres URL --json  the scale run
 *   npm run bench:fsar -- --help                         every option
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runScale, type ScaleResult } from "./fsar/scale.ts";
import { runScenario, type ScenarioResult, scenarios, summarise } from "./fsar/scenarios.ts";
import { closeTemplates } from "./fsar/workload.ts";
import { dropLeftovers, serverVersion } from "./queue/bench-database.ts";

const usage = `npm run bench:fsar -- [options]
  --json             one JSON object on stdout
  --postgres URL     PostgreSQL server to create throwaway databases on (default $STEWARD_BENCH_DATABASE_URL; PGlite without)
  --only NAME        the scenarios whose name contains NAME (repeatable)
  --scale            the scale run instead of the suite (PostgreSQL only)
  --tasks N          tasks for --scale (default 1000000)
  --runs N           timed reports for --scale (default 5, after 1 warm-up)
  --keep             --scale: keep the database (its URL on stderr)
  --reuse URL        --scale: time the database at URL (kept by --keep) without loading`;

const { values: flags } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    postgres: { type: "string" },
    only: { type: "string", multiple: true },
    scale: { type: "boolean", default: false },
    tasks: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
    keep: { type: "boolean", default: false },
    reuse: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log(usage);
  process.exit(0);
}
const server = flags.postgres ?? process.env.STEWARD_BENCH_DATABASE_URL ?? null;
const say = (text: string) => process.stderr.write(`${text}\n`);

process.once("SIGINT", () => {
  say("\ninterrupted");
  void dropLeftovers().finally(() => process.exit(130));
});

const machine = {
  node: process.version,
  nproc: availableParallelism(),
  /** The 1-minute load average when the run began: the machine is shared. */
  loadStart: loadavg()[0],
  postgres: server === null ? null : (await serverVersion(server)).split(" on ")[0]!,
};

try {
  if (flags.scale) {
    if (server === null) {
      say("--scale needs PostgreSQL: --postgres URL or $STEWARD_BENCH_DATABASE_URL");
      process.exit(2);
    }
    const result = await runScale(server, {
      tasks: Number(flags.tasks),
      runs: Number(flags.runs),
      keep: flags.keep,
      reuse: flags.reuse,
      say,
    });
    if (flags.json)
      console.log(
        JSON.stringify({
          ...result,
          database: machine.postgres,
          node: machine.node,
          nproc: machine.nproc,
          loadAverage: { start: machine.loadStart, end: loadavg()[0] },
        }),
      );
    else printScale(result);
  } else await suite();
} finally {
  await closeTemplates();
  // A database kept by --keep is left; any other this run made is dropped (a failed run's too).
  if (!(flags.scale && flags.keep)) await dropLeftovers();
}
process.exit(0);

async function suite() {
  const database = server === null ? "pglite" : `postgres (${machine.postgres})`;
  const chosen = scenarios.filter((s) => !flags.only || flags.only.some((o) => s.name.includes(o)));
  say(
    `FSAR fault suite on ${database}: ${chosen.length} scenarios; ${machine.nproc} cores, Node ${machine.node}`,
  );
  const results: ScenarioResult[] = [];
  for (const scenario of chosen) {
    const result = await runScenario(scenario, server);
    results.push(result);
    say(line(result));
  }
  const summary = summarise(results);
  if (flags.json)
    console.log(
      JSON.stringify({
        scenarios: results,
        precision: summary.precision,
        recall: summary.recall,
        falseBlocks: summary.falseBlocks,
        truePositives: summary.truePositives,
        falsePositives: summary.falsePositives,
        database,
        node: machine.node,
        nproc: machine.nproc,
        loadAverage: { start: machine.loadStart, end: loadavg()[0] },
      }),
    );
  else console.log(table(results));
  say(
    `precision ${summary.precision} (${summary.truePositives} true of ${summary.truePositives + summary.falsePositives} counted), recall ${summary.recall}, false blocks ${summary.falseBlocks}`,
  );
  const misses = results.filter(
    (r) => r.truePositive === false || r.falsePositives.length > 0 || r.falseBlock,
  );
  if (misses.length > 0)
    say(`MISS in ${misses.length} of ${results.length} scenarios: ${misses.map((r) => r.name).join(", ")}`);
}

function line(r: ScenarioResult): string {
  const verdict =
    r.truePositive === false
      ? `MISS: ${r.miss}`
      : r.truePositive === null
        ? r.falsePositives.length === 0 && !r.falseBlock
          ? "clean: ok"
          : "clean: MISS"
        : "found";
  const fps = r.falsePositives.map((f) => `${f.key} (${f.severity}${f.blocking ? ", blocking" : ""})`);
  return [
    `${r.name}: ${verdict}`,
    r.expected
      ? `expected ${r.expected.code} ≥ ${r.expected.severity}${r.expected.blocking ? " blocking" : ""}`
      : "expected nothing above 2",
    fps.length > 0 ? `FALSE POSITIVES ${fps.join(", ")}` : "",
    r.falseBlock ? "FALSE BLOCK" : "",
    `report ${r.ms} ms (setup ${r.setupMs} ms)`,
    `injected ${JSON.stringify(r.injected)}`,
  ]
    .filter(Boolean)
    .join("; ");
}

function table(results: ScenarioResult[]): string {
  const header = [
    "scenario",
    "expected",
    "found",
    "severity",
    "blocking",
    "false positives",
    "false block",
    "ms",
  ];
  const rows = results.map((r) => {
    const mine = r.expected ? r.found.find((f) => f.code === r.expected!.code) : undefined;
    return [
      r.name,
      r.expected
        ? `${r.expected.code} ≥ ${r.expected.severity}${r.expected.blocking ? ", blocking" : ""}`
        : "nothing > 2",
      r.truePositive === false ? `MISS (${r.miss})` : mine ? mine.key : r.truePositive === null ? "—" : "",
      mine ? String(mine.severity) : String(r.reportSeverity),
      String(r.blockExecution),
      r.falsePositives.map((f) => `${f.code} (${f.severity})`).join(", ") || "none",
      r.falseBlock ? "YES" : "no",
      String(r.ms),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

function printScale(r: ScaleResult) {
  console.log(
    `${r.tasks.toLocaleString("en-US")} tasks, ${r.attempts.toLocaleString("en-US")} attempts, ${r.rollupRows.toLocaleString("en-US")} rollup rows; loaded in ${r.loadS} s`,
  );
  console.log(
    `writeReport: median ${r.report.medianMs} ms, max ${r.report.maxMs} ms over ${r.report.runs.length} runs; target 5000 ms ${r.met ? "met" : "MISSED"}`,
  );
  for (const a of r.assessors)
    console.log(`  ${a.name.padEnd(12)} median ${a.medianMs} ms, max ${a.maxMs} ms`);
  console.log(`findings: ${r.findings.map((f) => `${f.key} (${f.severity})`).join(", ") || "none"}`);
}
