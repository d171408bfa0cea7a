/**
 * Change-detector benchmark: (a) detection delay and false alarms of every detector on synthetic
 * series with known change points (bench/detect/synthetic.ts, many seeds); (b) the Numenta
 * Anomaly Benchmark's scores (standard, reward_low_FP_rate, reward_low_FN_rate profiles) on the
 * NAB subset in bench/data/nab. Method and results: docs/indicators.md, "Change detection".
 *
 *   npm run bench:detect                       the tables (progress on stderr)
 *   npm run bench:detect -- --json             one JSON object per detector and profile
 *   npm run bench:detect -- --data DIR         another NAB folder (data/, combined_windows.json)
 *   npm run bench:detect -- --seeds N          seeds per synthetic scenario with a change (100)
 *   npm run bench:detect -- --only a,b         some detectors only
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { detectorNames, getDetector } from "../src/telemetry/detect/index.ts";
import { loadNabCorpus } from "./detect/nab-corpus.ts";
import { type NabResult, profiles, scoreNab } from "./detect/nab-score.ts";
import { measureSynthetic, type ScenarioMeasure } from "./detect/synthetic-measure.ts";

const usage = `usage: npm run bench:detect -- [--json] [--data DIR] [--seeds N] [--only a,b]
detectors: ${detectorNames.join(", ")}`;

interface Options {
  json: boolean;
  data: string;
  seeds: number;
  only: string[];
}

function parseOptions(args: string[]): Options | "help" {
  const options: Options = {
    json: false,
    data: fileURLToPath(new URL("./data/nab/", import.meta.url)),
    seeds: 100,
    only: [...detectorNames],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--json") options.json = true;
    else if (arg === "--data") options.data = path.resolve(value());
    else if (arg === "--seeds") {
      options.seeds = Number(value());
      if (!Number.isInteger(options.seeds) || options.seeds < 1)
        throw new Error("--seeds must be an integer ≥ 1");
    } else if (arg === "--only") {
      options.only = value().split(",");
      for (const name of options.only)
        if (!detectorNames.includes(name)) throw new Error(`unknown detector "${name}"`);
    } else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

const fmt = (x: number | null, digits = 0) => (x === null ? "—" : x.toFixed(digits));

function main(): number {
  let options: Options | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const corpus = loadNabCorpus(options.data);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1_000).toFixed(1)} s`;
  const rows: { detector: string; synthetic: ScenarioMeasure[]; nab: NabResult[] }[] = [];
  for (const name of options.only) {
    const detector = getDetector(name);
    const synthetic = measureSynthetic(detector, {
      changes: options.seeds,
      nulls: Math.ceil(options.seeds / 5),
    });
    process.stderr.write(`${name}: synthetic done (${elapsed()})\n`);
    const scores = corpus.map((series) => detector.detect(series.values).scores);
    const nab = profiles.map((profile) => scoreNab(corpus, scores, profile));
    process.stderr.write(`${name}: NAB done (${elapsed()})\n`);
    rows.push({ detector: name, synthetic, nab });
  }
  if (options.json) {
    for (const row of rows)
      for (const result of row.nab)
        process.stdout.write(
          `${JSON.stringify({
            detector: row.detector,
            profile: result.profile,
            score: Number(result.score.toFixed(2)),
            scores_by_category: Object.fromEntries(
              Object.entries(result.byCategory).map(([c, v]) => [
                c,
                v.score === null ? null : Number(v.score.toFixed(2)),
              ]),
            ),
            raw: Number(result.raw.toFixed(3)),
            raw_by_category: Object.fromEntries(
              Object.entries(result.byCategory).map(([c, v]) => [c, Number(v.raw.toFixed(3))]),
            ),
            threshold: result.threshold,
            windows: result.windows,
            detected_windows: result.detectedWindows,
            false_positives: result.falsePositives,
            synthetic: row.synthetic,
          })}\n`,
        );
    return 0;
  }
  const out: string[] = [];
  out.push(
    `Synthetic series (${options.seeds} seeds per change scenario; delay in points, median / p95)`,
    "",
  );
  out.push("| detector | scenario | detected | delay p50 | delay p95 | false alarms / 10k |");
  out.push("|---|---|---:|---:|---:|---:|");
  for (const row of rows)
    for (const m of row.synthetic)
      out.push(
        `| ${row.detector} | ${m.scenario} | ${m.detected}/${m.series} | ${fmt(m.medianDelay)} | ${fmt(m.p95Delay)} | ${fmt(m.falseAlarmsPer10k, 1)} |`,
      );
  const categories = [...new Set(corpus.map((s) => s.category))];
  out.push(
    "",
    `NAB subset: ${corpus.length} series, ${rows[0]?.nab[0]?.windows ?? 0} windows (${path.relative(process.cwd(), options.data) || "."})`,
    "",
  );
  out.push(`| detector | profile | score | ${categories.join(" | ")} | windows found | false positives |`);
  out.push(`|---|---|---:|${categories.map(() => "---:").join("|")}|---:|---:|`);
  for (const row of rows)
    for (const r of row.nab)
      out.push(
        `| ${row.detector} | ${r.profile} | ${r.score.toFixed(1)} | ${categories
          .map((c) => {
            const v = r.byCategory[c]!;
            return v.score === null ? `(raw ${v.raw.toFixed(2)})` : v.score.toFixed(1);
          })
          .join(" | ")} | ${r.detectedWindows}/${r.windows} | ${r.falsePositives} |`,
      );
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

process.exitCode = main();
