/**
 * Money at scale, on PostgreSQL (docs/benchmarks.md, "Money"):
 * 1. Webhook ingest: Steward's server in a process of its own (bench/money/ingest-server.ts, no
 *    workers) takes signed Stripe events on POST /webhooks/stripe from autocannon on 127.0.0.1,
 *    each delivery a new event (a charge of Stripe's own example shape, ~3 kB), signed afresh.
 *    Every acknowledged event must be in the inbox afterwards, with its processing task.
 *    Target: ≥ 2,000 deliveries/s sustained, none lost.
 * 2. ROI at a million entries: 1,000,000 ledger entries over the last 365 days (revenue, refunds,
 *    fees, disputes, expenses, AI usage; 50 ideas, 10 streams, 8 models, 3 currencies), then ROI
 *    by idea, stream and model over 30, 90 and 365 days, the metrics and the daily series, as the
 *    API calls them. Target: ROI within 100 ms at p95.
 *
 *   npm run bench:money                 tables
 *   npm run bench:money -- --json       one JSON object per line (ingest, then each query)
 *   npm run bench:money -- --help       every option
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import cliProgress from "cli-progress";
import Stripe from "stripe";
import { configSchema } from "../src/config/config-schema.ts";
import { PostgresDatabase } from "../src/db/postgres-database.ts";
import { loadMigrations } from "../src/migrate/migration-files.ts";
import { migrateUp } from "../src/migrate/migrator.ts";
import { moneySeries } from "../src/money/money-series.ts";
import { revenueMetrics } from "../src/money/revenue-metrics.ts";
import { roiOf } from "../src/money/roi.ts";
import { createBenchDatabase, dropLeftovers, serverVersion } from "./queue/bench-database.ts";

const usage = `npm run bench:money -- [options]
  --json             one JSON object per line on stdout
  --seconds N        how long the ingest load runs (default 20), after a 3 s warm-up
  --connections N    autocannon's concurrent connections (default 64)
  --pool N           the server's PostgreSQL pool size (default 20)
  --entries N        ledger entries for the ROI queries (default 1000000)
  --runs N           timed runs of each query (default 30), after 3 warm-ups
  --skip-ingest      only the ROI queries
  --skip-roi         only the ingest
  --database URL     the PostgreSQL server (default $STEWARD_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)`;

const { values: flags } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "64" },
    pool: { type: "string", default: "20" },
    entries: { type: "string", default: "1000000" },
    runs: { type: "string", default: "30" },
    "skip-ingest": { type: "boolean", default: false },
    "skip-roi": { type: "boolean", default: false },
    database: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log(usage);
  process.exit(0);
}
const server =
  flags.database ?? process.env.STEWARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const say = (text: string) => process.stderr.write(`${text}\n`);
const out = (value: unknown) => (flags.json ? console.log(JSON.stringify(value)) : undefined);

const machine = {
  nproc: availableParallelism(),
  node: process.version,
  postgres: await serverVersion(server),
};
say(`machine: ${machine.nproc} cores, Node ${machine.node}, ${machine.postgres.split(" on ")[0]}`);

process.on("SIGINT", async () => {
  await dropLeftovers();
  process.exit(130);
});

try {
  if (!flags["skip-ingest"]) await ingest();
  if (!flags["skip-roi"]) await roiQueries();
} finally {
  await dropLeftovers();
}

async function migrated(label: string) {
  const created = await createBenchDatabase(server, label);
  const db = new PostgresDatabase({
    url: created.url,
    description: created.name,
    poolSize: 10,
    applicationName: "steward-bench",
  });
  const run = await migrateUp(db, loadMigrations());
  if (run.error) throw run.error;
  return { created, db };
}

async function ingest() {
  const { created, db } = await migrated("money_ingest");
  const secret = "whsec_bench_0123456789abcdef";
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(import.meta.dirname, "money/ingest-server.ts"),
      created.url,
      secret,
      flags.pool,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const url = await firstLine(child);
    const examples = JSON.parse(
      readFileSync(path.join(import.meta.dirname, "../test/money/fixtures/stripe-objects.json"), "utf8"),
    );
    const charge = {
      ...examples.charge,
      status: "succeeded",
      captured: true,
      amount_captured: 2000,
      amount: 2000,
    };
    let n = 0;
    const acknowledged: string[] = [];
    const load = (duration: number, record: boolean) =>
      autocannon({
        url: `${url}/webhooks/stripe`,
        method: "POST",
        connections: Number(flags.connections),
        duration,
        requests: [
          {
            setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
              const id = `evt_bench_${(n++).toString(36)}`;
              context.id = id;
              const payload = JSON.stringify({
                id,
                object: "event",
                api_version: "2025-09-30.clover",
                created: Math.floor(Date.now() / 1000),
                livemode: true,
                type: "charge.succeeded",
                pending_webhooks: 1,
                request: { id: null, idempotency_key: null },
                data: { object: { ...charge, id: `ch_bench_${id}` } },
              });
              return {
                ...request,
                body: payload,
                headers: {
                  "content-type": "application/json",
                  "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }),
                },
              };
            },
            onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
              if (record && status === 200) acknowledged.push(String(context.id));
            },
          },
        ],
      } as autocannon.Options);
    say("ingest: warming up 3 s");
    await load(3, false);
    say(`ingest: ${flags.seconds} s with ${flags.connections} connections`);
    const result = await load(Number(flags.seconds), true);
    const { rows } = await db.query<{ stored: number; tasks: number }>(
      `SELECT count(*)::int AS stored, count(task_id)::int AS tasks FROM stripe_events WHERE id = ANY($1::text[])`,
      [acknowledged],
    );
    const summary = {
      bench: "webhook ingest",
      deliveriesPerSecond: Math.round(acknowledged.length / Number(flags.seconds)),
      acknowledged: acknowledged.length,
      storedOfAcknowledged: rows[0]!.stored,
      withTask: rows[0]!.tasks,
      lost: acknowledged.length - rows[0]!.stored,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      connections: Number(flags.connections),
      pool: Number(flags.pool),
      seconds: Number(flags.seconds),
      target: ">= 2000 deliveries/s, none lost",
      met: acknowledged.length / Number(flags.seconds) >= 2000 && acknowledged.length === rows[0]!.stored,
      machine,
    };
    out(summary);
    if (!flags.json)
      say(
        `ingest: ${summary.deliveriesPerSecond} deliveries/s acknowledged (${summary.acknowledged}), ${summary.storedOfAcknowledged} of them stored (${summary.lost} lost), ${summary.withTask} with a task; non-2xx ${summary.non2xx}, errors ${summary.errors}; latency p50 ${summary.latencyP50Ms} ms, p99 ${summary.latencyP99Ms} ms; target ${summary.met ? "met" : "MISSED"}`,
      );
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await db.close();
    await created.drop();
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve(line.trim()));
    child.once("exit", (code) => reject(new Error(`the ingest server exited (${code}) before it listened`)));
  });
}

async function roiQueries() {
  const { created, db } = await migrated("money_roi");
  try {
    const entries = Number(flags.entries);
    const bar = new cliProgress.SingleBar(
      { format: "loading {bar} {value}/{total} entries", stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    await db.query(
      `INSERT INTO ideas (key, title, income_stream)
       SELECT 'idea-' || i, 'Idea ' || i, 'stream-' || (i % 10) FROM generate_series(0, 49) i`,
    );
    bar.start(entries, 0);
    const chunk = 100_000;
    for (let from = 0; from < entries; from += chunk) {
      // Types in proportion: revenue 60 %, AI usage 15 %, fees 12 %, refunds 8 %, expenses 4 %, disputes 1 %.
      await db.query(
        `INSERT INTO money_entries (source, source_id, type, amount_minor, currency, occurred_at, idea, stream, model, livemode)
         SELECT CASE WHEN t IN ('expense') THEN 'expense' WHEN t = 'ai_usage' THEN 'ai_usage' ELSE 'stripe' END,
                'bench:' || i, t,
                CASE WHEN t = 'revenue' THEN 500 + (i * 7919) % 20000 ELSE -(50 + (i * 104729) % 3000) END,
                CASE WHEN t = 'ai_usage' THEN 'usd' WHEN i % 10 < 7 THEN 'usd' WHEN i % 10 < 9 THEN 'eur' ELSE 'jpy' END,
                now() - ((i * 2654435761) % 31536000) * interval '1 second',
                CASE WHEN i % 10 = 0 THEN NULL ELSE 'idea-' || (i % 50) END,
                CASE WHEN i % 3 = 0 THEN 'stream-' || (i % 10) END,
                CASE WHEN t = 'ai_usage' THEN 'model-' || (i % 8) END,
                i % 20 <> 0
         FROM (SELECT i, CASE WHEN i % 100 < 60 THEN 'revenue' WHEN i % 100 < 75 THEN 'ai_usage' WHEN i % 100 < 87 THEN 'fee'
                              WHEN i % 100 < 95 THEN 'refund' WHEN i % 100 < 99 THEN 'expense' ELSE 'dispute' END AS t
               FROM generate_series($1::bigint, $2::bigint) i) x`,
        [from, Math.min(entries, from + chunk) - 1],
      );
      bar.update(Math.min(entries, from + chunk));
    }
    bar.stop();
    await db.query("ANALYZE money_entries");
    const money = configSchema.parse({ money: { rates: { eur: 1.08, jpy: 0.0067 } } }).money;
    const now = new Date();
    const back = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const queries: { name: string; run: () => Promise<unknown> }[] = [];
    for (const days of [30, 90, 365])
      for (const by of ["idea", "stream", "model"] as const)
        queries.push({
          name: `roi by ${by}, ${days} days`,
          run: () => roiOf(db, money, { by, since: back(days), until: now, mode: "live" }),
        });
    queries.push({
      name: "metrics, 30 days",
      run: () => revenueMetrics(db, { since: back(30), until: now, mode: "live" }),
    });
    queries.push({
      name: "daily series, 90 days",
      run: () => moneySeries(db, money, { since: back(90), until: now, mode: "live" }),
    });
    const runs = Number(flags.runs);
    const rows = [];
    for (const query of queries) {
      for (let i = 0; i < 3; i++) await query.run();
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await query.run();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const pct = (p: number) =>
        Number(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!.toFixed(1));
      const row = {
        bench: "money query",
        query: query.name,
        entries,
        runs,
        p50Ms: pct(50),
        p95Ms: pct(95),
        targetMs: query.name.startsWith("roi") ? 100 : null,
        machine,
      };
      rows.push(row);
      out(row);
      if (!flags.json)
        say(
          `${query.name.padEnd(28)} p50 ${String(row.p50Ms).padStart(7)} ms  p95 ${String(row.p95Ms).padStart(7)} ms`,
        );
    }
    const roi = rows.filter((r) => r.targetMs !== null);
    say(
      `ROI within 100 ms at p95: ${
        roi.every((r) => r.p95Ms <= 100)
          ? "met"
          : `MISSED (${roi
              .filter((r) => r.p95Ms > 100)
              .map((r) => r.query)
              .join("; ")})`
      }`,
    );
  } finally {
    await db.close();
    await created.drop();
  }
}
