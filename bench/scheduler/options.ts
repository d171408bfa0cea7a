import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { worlds } from "./worlds/worlds.ts";

/** The command line, read. */
export interface SchedulerBenchOptions {
  json: boolean;
  /** Directory to write one SVG picture of the frontier per world into, or null. */
  svgDir: string | null;
  /** Seeds per scenario (firstSeed, firstSeed + 1, …), or null for each world's own number. */
  seeds: number | null;
  firstSeed: number;
  /** Worlds to run, by name. */
  worlds: string[];
  /** A smoke run: one seed (unless --seeds says otherwise) and a short sweep of prices. */
  quick: boolean;
  /** Threads to run on. */
  workers: number;
}

const names = worlds.map((w) => w.name);
const defaultWorkers = Math.min(2, availableParallelism());

/** The --help text, also shown after a bad option. */
export const usage = `Usage: npm run bench:scheduler -- [options]
  --world LIST        worlds, comma-separated (default: all): ${names.join(", ")}
  --seeds N           seeds per scenario, the same for every strategy (default: each world's, 5)
  --first-seed S      the first seed (default 1; the others follow)
  --quick             a smoke run: 1 seed, prices of lateness 0, 0.01, 1 and the default
  --json              one JSON object per line (baseline points, curve points, verdicts)
  --svg DIR           also write DIR/<world>.svg, the frontier of each world
  --workers N         threads to run on (default ${defaultWorkers}; the numbers do not depend on it)
  --help              this text

Worlds:
${worlds.map((w) => `  ${w.name.padEnd(18)}${w.description}`).join("\n")}`;

/** Reads the command line; throws a message naming the bad flag and what it allows. */
export function parseSchedulerBenchOptions(argv: string[]): SchedulerBenchOptions | "help" {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    // parseArgs names the flag; say what is allowed.
    const flags = Object.keys(optionSpecs).map((flag) => `--${flag}`);
    throw new Error(`${(error as Error).message.split(". ")[0]}; the options are ${flags.join(", ")}`);
  }
  if (values.help) return "help";
  const chosen = (values.world?.split(",") ?? names).map((name) => {
    const trimmed = name.trim();
    if (!names.includes(trimmed))
      throw new Error(`--world: unknown world "${trimmed}"; known: ${names.join(", ")}`);
    return trimmed;
  });
  if (values.svg !== undefined && values.svg.trim() === "") throw new Error("--svg needs a directory");
  return {
    json: values.json,
    svgDir: values.svg ?? null,
    seeds: values.seeds === undefined ? (values.quick ? 1 : null) : positive("--seeds", values.seeds),
    firstSeed: positive("--first-seed", values["first-seed"]),
    worlds: chosen,
    quick: values.quick,
    workers: positive("--workers", values.workers ?? String(defaultWorkers)),
  };
}

const optionSpecs = {
  world: { type: "string" },
  seeds: { type: "string" },
  "first-seed": { type: "string", default: "1" },
  quick: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  svg: { type: "string" },
  workers: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: optionSpecs });
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not "${value}"`);
  return n;
}
