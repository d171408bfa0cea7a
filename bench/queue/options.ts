import { parseArgs } from "node:util";

export const systems = ["steward", "graphile-worker", "pg-boss"] as const;
export type SystemName = (typeof systems)[number];
export const backends = ["pglite", "postgres"] as const;
export type BackendName = (typeof backends)[number];

export interface BenchOptions {
  json: boolean;
  /**
   * Rounds: each runs every system once (every configuration's drain, then the pickup), each on a
   * fresh database, so that a slow spell of the machine falls on all systems alike. Comparisons
   * are the median of the per-round ratios. With --profile: drains per batch size.
   */
  rounds: number;
  /** Tasks per drain. */
  tasks: number;
  /** Single enqueues offered for the pickup measurement, and at what rate. */
  pickupTasks: number;
  pickupRate: number;
  /** Enqueues offered before the pickup measurement and left out of it (cold start). */
  pickupWarmup: number;
  only: SystemName[];
  backends: BackendName[];
  /** PostgreSQL server on which each system gets a database of its own. */
  server: string;
  /** Try only the first configuration of each system (no sweep). */
  noSweep: boolean;
  /** Per-statement costs of Steward's claim and completion instead of the comparison. */
  profile: boolean;
  /** Longest wait for the machine to be mostly idle before each timed run (0: do not wait). */
  quietWaitMs: number;
  /** Attempts per timed run while other work on the machine takes more than 15 % of its CPU. */
  tries: number;
}

const usage = `Usage: npm run bench:queue -- [options]
  --json              one JSON object per line instead of the table
  --rounds N          rounds, each running every system once on fresh databases (A B C A B C …);
                      comparisons are the median of the per-round ratios, with their min–max
                      (default 5; with --profile, drains per batch size, default 3)
  --runs N            the same as --rounds (its earlier name)
  --tasks N           tasks per drain (default 20000)
  --pickup N          single enqueues for pickup latency (default 2000)
  --rate N            offered enqueues per second for pickup latency (default 200)
  --warmup N          enqueues offered first and left out of the pickup figures: new connections,
                      first plans, empty caches (default 200, the same for every system)
  --only LIST         systems, comma-separated: ${systems.join(", ")} (also: graphile, pgboss)
  --backend LIST      Steward backends, comma-separated: ${backends.join(", ")}
  --database URL      PostgreSQL server (default $STEWARD_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --no-sweep          only the first configuration of each system
  --profile           per-statement costs of Steward's claim and completion (both backends)
  --quiet-wait S      before each timed run, wait up to S seconds for other work on the machine
                      to drop below 25 % CPU (default 60; 0 to not wait)
  --tries N           repeat a timed run during which other work took more than 15 % of the
                      machine's CPU, up to N attempts in all, keeping the quietest (default 4)`;

const aliases: Record<string, SystemName> = {
  steward: "steward",
  graphile: "graphile-worker",
  "graphile-worker": "graphile-worker",
  pgboss: "pg-boss",
  "pg-boss": "pg-boss",
};

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      rounds: { type: "string" },
      runs: { type: "string" },
      tasks: { type: "string", default: "20000" },
      pickup: { type: "string", default: "2000" },
      rate: { type: "string", default: "200" },
      warmup: { type: "string", default: "200" },
      only: { type: "string" },
      backend: { type: "string" },
      database: { type: "string" },
      "no-sweep": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "quiet-wait": { type: "string", default: "60" },
      tries: { type: "string", default: "4" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const only = (values.only?.split(",") ?? [...systems]).map((name) => {
    const system = aliases[name.trim()];
    if (system === undefined)
      throw new Error(`--only: unknown system "${name}"; known: ${Object.keys(aliases).join(", ")}`);
    return system;
  });
  const chosenBackends = (values.backend?.split(",") ?? [...backends]).map((name) => {
    if (!(backends as readonly string[]).includes(name))
      throw new Error(`--backend: unknown backend "${name}"; known: ${backends.join(", ")}`);
    return name as BackendName;
  });
  return {
    json: values.json,
    rounds:
      values.rounds !== undefined
        ? positive("--rounds", values.rounds)
        : values.runs !== undefined
          ? positive("--runs", values.runs)
          : values.profile
            ? 3
            : 5,
    tasks: positive("--tasks", values.tasks),
    pickupTasks: positive("--pickup", values.pickup),
    pickupRate: positive("--rate", values.rate),
    pickupWarmup: values.warmup === "0" ? 0 : positive("--warmup", values.warmup),
    only,
    backends: chosenBackends,
    server:
      values.database ??
      process.env.STEWARD_BENCH_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    noSweep: values["no-sweep"],
    profile: values.profile,
    tries: positive("--tries", values.tries),
    quietWaitMs: values["quiet-wait"] === "0" ? 0 : positive("--quiet-wait", values["quiet-wait"]) * 1000,
  };
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not "${value}"`);
  return n;
}
