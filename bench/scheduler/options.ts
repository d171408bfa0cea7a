import { parseArgs } from "node:util";
import { classic } from "./worlds/classic.ts";

const workloads = classic.scenarios;

export interface SchedulerBenchOptions {
  json: boolean;
  /** Seeds per workload: firstSeed, firstSeed + 1, …; every strategy runs on the same ones. */
  seeds: number;
  firstSeed: number;
  /** Workloads to run, by name. */
  only: string[];
}

const names = workloads.map((w) => w.name);

export const usage = `Usage: npm run bench:scheduler -- [options]
  --json              one JSON object per line, per strategy and workload, instead of the table
  --seeds N           seeds per workload, the same for every strategy (default 5)
  --first-seed S      the first seed (default 1; the others follow)
  --only LIST         workloads, comma-separated: ${names.join(", ")}
  --help              this text

Workloads:
${workloads.map((w) => `  ${w.name.padEnd(18)}${w.description}`).join("\n")}`;

export function parseSchedulerBenchOptions(argv: string[]): SchedulerBenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      seeds: { type: "string", default: "5" },
      "first-seed": { type: "string", default: "1" },
      only: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  const only = (values.only?.split(",") ?? names).map((name) => {
    const trimmed = name.trim();
    if (!names.includes(trimmed))
      throw new Error(`--only: unknown workload "${trimmed}"; known: ${names.join(", ")}`);
    return trimmed;
  });
  return {
    json: values.json,
    seeds: positive("--seeds", values.seeds),
    firstSeed: positive("--first-seed", values["first-seed"]),
    only,
  };
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not "${value}"`);
  return n;
}
