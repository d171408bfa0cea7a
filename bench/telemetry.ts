/**
 * Telemetry at scale: loads a history of 1,000,000 tasks and 5,000,000 attempts over the last 90
 * days into a fresh PostgreSQL database (three stages, ten kinds, eight models, fifty ideas; the
 * attempts through the rollup trigger, as the engine records them), then times what the
 * dashboard's overview asks for and `steward stats` over the last hour, day and 30 days, by stage
 * and by model, through a Steward Deps as the routes and the CLI call them. Target: every overview
 * query within 50 ms at p95. Results: docs/benchmarks.md, "Telemetry at a million tasks".
 *
 *   npm run bench:telemetry                     a table
 *   npm run bench:telemetry -- --json           one JSON object per query
 *   npm run bench:telemetry -- --keep           keep the database (its URL on stderr)
 *   npm run bench:telemetry -- --reuse URL      time a database kept by --keep, without loading
 *   npm run bench:telemetry -- --help           every option
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { builtInKinds } from "../src/app/built-in-kinds.ts";
import { createDeps } from "../src/app/create-deps.ts";
import { configSchema } from "../src/config/config-schema.ts";
import { PostgresDatabase } from "../src/db/postgres-database.ts";
import { loadMigrations } from "../src/migrate/migration-files.ts";
import { migrateUp } from "../src/migrate/migrator.ts";
import { compactRollups } from "../src/telemetry/rollup-compaction.ts";
import {
  type BenchDatabase,
  createBenchDatabase,
  dropLeftovers,
  serverVersion,
} from "./queue/bench-database.ts";
import { models } from "./telemetry/history-mix.ts";
import { type ChunkTimes, finishHistory, loadChunk, loadIdeas } from "./telemetry/load-history.ts";
import { type QueryTiming, queriesOf, timeQueries } from "./telemetry/time-queries.ts";

const usage = `npm run bench:telemetry -- [options]
  --json             one JSON object per query on stdout (query, p50_ms, p95_ms, tasks, attempts, …)
  --tasks N          tasks to load (default 1000000; attempts are five times as many)
  --days N           days of history up to now (default 90)
  --chunk N          tasks per loading transaction (default 100000, five times as many attempts)
  --runs N           timed runs of each query (default 30), after --warmups N (default 3)
  --seed N           seed of the history's draws (default 1)
  --keep             keep the database at the end (dropped by default, and on Ctrl-C)
  --reuse URL        time the database at URL (one kept by --keep) instead of loading one
  --database URL     the PostgreSQL server (default $STEWARD_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)`;

const { values: flags } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    tasks: { type: "string", default: "1000000" },
    days: { type: "string", default: "90" },
    chunk: { type: "string", default: "100000" },
    runs: { type: "string", default: "30" },
    warmups: { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
    reuse: { type: "string" },
    database: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log(usage);
  process.exit(0);
}
const count = (name: keyof typeof flags, min: number) => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} ${String(flags[name])} is not a whole number of at least ${min}.\n\n${usage}`);
    process.exit(2);
  }
  return value;
};
const options = {
  tasks: count("tasks", 30_000),
  days: count("days", 1),
  chunk: count("chunk", 1_000),
  runs: count("runs", 1),
  warmups: count("warmups", 0),
  seed: count("seed", 0),
};
const server =
  flags.database ?? process.env.STEWARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const say = (message: string) => process.stderr.write(`${message}\n`);

// Ctrl-C: the database is dropped (unless --keep), then the process ends.
let created: BenchDatabase | null = null;
process.once("SIGINT", () => {
  say("\ninterrupted");
  const done = flags.keep || created === null ? Promise.resolve() : dropLeftovers();
  void done.finally(() => process.exit(130));
});

const config = configSchema.parse({
  providers: [...new Set(models.map((m) => m.provider))].map((id) => ({
    id,
    type: "openai-compatible",
    // Never called: the benchmark only reads.
    baseUrl: "http://127.0.0.1:9/v1",
  })),
  models: models.map((m) => ({
    id: m.id,
    provider: m.provider,
    model: m.id,
    price: { inputPerMTok: m.inputPerMTok, outputPerMTok: m.outputPerMTok },
    concurrency: 200,
  })),
});

if (flags.reuse === undefined) created = await createBenchDatabase(server, "telemetry");
const url = flags.reuse ?? created!.url;
const db = new PostgresDatabase({
  url,
  description: created?.name ?? "reused bench database",
  poolSize: config.database.poolSize,
  applicationName: "steward-bench",
});
let failed = false;
try {
  const migrations = loadMigrations();
  const migrated = await migrateUp(db, migrations);
  if (migrated.error) throw migrated.error;
  let load: LoadSummary | null = null;
  if (flags.reuse === undefined) load = await loadHistory(db);
  const { rows } = await db.query<{ tasks: number; attempts: number }>(
    "SELECT (SELECT count(*) FROM execution_tasks)::int AS tasks, (SELECT count(*) FROM task_attempts)::int AS attempts",
  );
  const totals = rows[0]!;
  const deps = createDeps({ config, db, migrations, kinds: builtInKinds });
  const queries = queriesOf(deps);
  const bar = progressBar("timing");
  bar.start(queries.length, 0, { rate: "" });
  const timings = await timeQueries(
    queries,
    { ...options, tasks: totals.tasks, attempts: totals.attempts },
    (done) => bar.update(done),
  );
  bar.stop();
  const machine = `${availableParallelism()} cores (nproc), Node ${process.versions.node}, ${(await serverVersion(server)).split(" on ")[0]}`;
  if (flags.json) {
    for (const t of timings) console.log(JSON.stringify(t));
    if (load) say(JSON.stringify({ load }));
    say(machine);
  } else {
    console.log(machine);
    if (load) console.log(describeLoad(load));
    console.log(table(timings));
  }
  if (flags.keep || flags.reuse) say(`database kept: ${url}`);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await db.close();
  if (created && !flags.keep) await created.drop();
}
process.exit(failed ? 1 : 0);

interface LoadSummary {
  tasks: number;
  attempts: number;
  total_s: number;
  attempts_per_s: number;
  /** The attempts' inserts alone (the rollup trigger's work included). */
  attempt_inserts_s: number;
  attempts_per_s_inserting: number;
  finish_s: number;
  compaction_s: number;
  rollup_rows_before_compaction: number;
  rollup_rows_after_compaction: number;
}

async function loadHistory(database: PostgresDatabase): Promise<LoadSummary> {
  const end = new Date();
  const shape = { tasks: options.tasks, days: options.days, end, seed: options.seed };
  const start = performance.now();
  await loadIdeas(database);
  const bar = progressBar("loading tasks");
  bar.start(options.tasks, 0, { rate: "" });
  const sum: ChunkTimes = { drawMs: 0, tasksMs: 0, attemptsMs: 0, modelCallsMs: 0, attempts: 0 };
  await database.withSession(async (session) => {
    for (let first = 1; first <= options.tasks; first += options.chunk) {
      const last = Math.min(options.tasks, first + options.chunk - 1);
      const chunk = await loadChunk(session, shape, first, last);
      for (const key of Object.keys(sum) as (keyof ChunkTimes)[]) sum[key] += chunk[key];
      const perS = (sum.attempts / (performance.now() - start)) * 1000;
      bar.update(last, { rate: `${Math.round(perS).toLocaleString("en-US")} attempts/s` });
    }
  });
  bar.stop();
  // What the workers' compaction step does each minute, over the whole history at once.
  const compaction = await compactHistory(database);
  const finishStart = performance.now();
  say("claims, learned model stats, VACUUM ANALYZE …");
  await finishHistory(database);
  const totalS = (performance.now() - start) / 1000;
  return {
    tasks: options.tasks,
    attempts: sum.attempts,
    total_s: round(totalS),
    attempts_per_s: Math.round(sum.attempts / totalS),
    attempt_inserts_s: round(sum.attemptsMs / 1000),
    attempts_per_s_inserting: Math.round(sum.attempts / (sum.attemptsMs / 1000)),
    finish_s: round((performance.now() - finishStart) / 1000),
    ...compaction,
  };
}

async function compactHistory(database: PostgresDatabase) {
  const shardRows = async () =>
    (
      await database.query<{ n: number }>(
        "SELECT ((SELECT count(*) FROM task_rollups WHERE shard <> 0) + (SELECT count(*) FROM idea_rollups WHERE shard <> 0))::int AS n",
      )
    ).rows[0]!.n;
  const rows = async () =>
    (
      await database.query<{ n: number }>(
        "SELECT ((SELECT count(*) FROM task_rollups) + (SELECT count(*) FROM idea_rollups))::int AS n",
      )
    ).rows[0]!.n;
  const before = await rows();
  const bar = progressBar("compacting rollups");
  bar.start(await shardRows(), 0, { rate: "" });
  const start = performance.now();
  let done = 0;
  await compactRollups(database, {
    since: new Date(0),
    batch: 50_000,
    onBatch: (_table, _grain, moved) => {
      done += moved;
      bar.update(done);
    },
  });
  bar.stop();
  return {
    compaction_s: round((performance.now() - start) / 1000),
    rollup_rows_before_compaction: before,
    rollup_rows_after_compaction: await rows(),
  };
}

function progressBar(label: string) {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {rate}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 5,
      // Redirected to a file, the bar still says how far the load is, every 10 s.
      noTTYOutput: true,
      notTTYSchedule: 10_000,
    },
    cliProgress.Presets.shades_classic,
  );
}

function describeLoad(load: LoadSummary): string {
  return (
    `loaded ${load.tasks.toLocaleString("en-US")} tasks and ${load.attempts.toLocaleString("en-US")} attempts in ` +
    `${load.total_s} s (${load.attempts_per_s.toLocaleString("en-US")} attempts/s overall; the attempts' inserts with ` +
    `the rollup trigger ${load.attempt_inserts_s} s, ${load.attempts_per_s_inserting.toLocaleString("en-US")}/s; ` +
    `claims, stats and VACUUM ANALYZE ${load.finish_s} s); rollups compacted in ${load.compaction_s} s, ` +
    `${load.rollup_rows_before_compaction.toLocaleString("en-US")} rows to ${load.rollup_rows_after_compaction.toLocaleString("en-US")}`
  );
}

function table(timings: QueryTiming[]): string {
  const header = ["query", "p50 ms", "p95 ms", "max ms", "target"];
  const rows = timings.map((t) => [
    t.query,
    t.p50_ms.toFixed(1),
    t.p95_ms.toFixed(1),
    t.max_ms.toFixed(1),
    t.target_ms === null ? "—" : `${t.met ? "met" : "MISSED"} (${t.target_ms} ms)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
