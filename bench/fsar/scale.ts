/**
 * FSAR reports at a million tasks (bench/fsar.ts --scale), on PostgreSQL.
 *
 * The history, loaded in bulk (INSERT … SELECT over generate_series, 100,000 tasks a
 * transaction): `tasks` tasks created evenly over the 30 days before the load, the newest 500 of
 * them still queued; three stages, three kinds (llm on one of four simulated models, 60 %; noop;
 * sleep), twenty ideas. Each task has one attempt; 4.5 % had a first attempt that failed (a
 * server error, a timeout or a rate limit) and a second that succeeded; 0.5 % failed for good
 * (one attempt, a handler error). The attempts go through task_attempts' rollup trigger, as the
 * engine records them, so the rollups are the engine's; each llm attempt has its model call.
 * Then what the workers' maintenance does: the rollups' shard rows compacted, the minute rows
 * older than 7 days pruned; and VACUUM ANALYZE.
 *
 * Then writeReport (what `steward fsar run` does: assess, store, set the gate) is timed: one
 * warm-up, then `runs` runs; each default assessor wrapped to time it alone.
 */
import cliProgress from "cli-progress";
import { createDeps } from "../../src/app/create-deps.ts";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { PostgresDatabase } from "../../src/db/postgres-database.ts";
import type { Assessor } from "../../src/fsar/assessor.ts";
import { defaultAssessors, writeReport } from "../../src/fsar/write-report.ts";
import { loadMigrations } from "../../src/migrate/migration-files.ts";
import { migrateUp } from "../../src/migrate/migrator.ts";
import { compactRollups } from "../../src/telemetry/rollup-compaction.ts";
import { pruneMinuteRollups } from "../../src/telemetry/rollup-retention.ts";
import { type BenchDatabase, createBenchDatabase } from "../queue/bench-database.ts";

const models = ["sim-a", "sim-b", "sim-c", "sim-d"];
const days = 30;
const chunk = 100_000;
const targetMs = 5_000;

const config = configSchema.parse({
  providers: [{ id: "sim", type: "sim" }],
  models: models.map((id, i) => ({
    id,
    provider: "sim",
    model: id,
    price: { inputPerMTok: 0, outputPerMTok: 0 },
    capabilities: { writing: 5 },
    concurrency: 200,
    ...(i === 0 ? { dailyBudgetUsd: 500 } : {}),
  })),
  budgets: [{ scope: "idea", id: "idea-01", monthlyUsd: 10_000 }],
  telemetry: {
    targets: [
      { stage: "Implement Ideas", avgDurationMs: 20_000 },
      { stage: "Idea Implementation", p95DurationMs: 60_000 },
      { stage: "Self-Improvement", queueWaitP95Ms: 60_000 },
      { kind: "llm", window: "1d", avgDurationMs: 30_000 },
    ],
  },
  fsar: { schedule: null },
});

export interface Timing {
  name: string;
  runsMs: number[];
  medianMs: number;
  maxMs: number;
}

export interface ScaleResult {
  tasks: number;
  attempts: number;
  failedAttempts: number;
  rollupRows: number;
  modelCalls: number;
  loadS: number;
  load: { insertS: number; compactionS: number; compactedRows: number; prunedRows: number; vacuumS: number };
  rollupsBy: "trigger";
  report: { runs: number[]; medianMs: number; maxMs: number; warmupMs: number };
  assessors: Timing[];
  /** writeReport's time beyond the assessors: error counts flushed, loop facts, overrides, proposal, storing, gate. */
  rest: Timing;
  findings: { key: string; severity: number; blocking: boolean }[];
  targetMs: number;
  met: boolean;
}

export async function runScale(
  server: string,
  options: { tasks: number; runs: number; keep: boolean; reuse?: string; say: (text: string) => void },
): Promise<ScaleResult> {
  const created: BenchDatabase | null = options.reuse
    ? null
    : await createBenchDatabase(server, "fsar_scale");
  const url = options.reuse ?? created!.url;
  const db = new PostgresDatabase({
    url,
    description: created?.name ?? "reused",
    poolSize: 10,
    applicationName: "steward-bench",
  });
  try {
    const migrations = loadMigrations();
    const run = await migrateUp(db, migrations);
    if (run.error) throw run.error;
    const load = options.reuse ? null : await loadHistory(db, options.tasks, options.say);
    const counts = (
      await db.query<{ tasks: number; attempts: number; failed: number; rollups: number; calls: number }>(
        `SELECT (SELECT count(*) FROM execution_tasks)::int AS tasks, (SELECT count(*) FROM task_attempts)::int AS attempts,
                (SELECT count(*) FROM task_attempts WHERE outcome <> 'succeeded')::int AS failed,
                ((SELECT count(*) FROM task_rollups) + (SELECT count(*) FROM idea_rollups))::int AS rollups,
                (SELECT count(*) FROM model_calls)::int AS calls`,
      )
    ).rows[0]!;
    const deps = createDeps({ config, db, migrations });
    const times = new Map<string, number[]>(defaultAssessors.map((a) => [a.name, []]));
    let recording = false;
    const timed: Assessor[] = defaultAssessors.map((assessor) => ({
      name: assessor.name,
      async assess(d, window) {
        const start = performance.now();
        try {
          return await assessor.assess(d, window);
        } finally {
          if (recording) times.get(assessor.name)!.push(performance.now() - start);
        }
      },
    }));
    options.say(`writeReport: 1 warm-up, then ${options.runs} runs`);
    const warmStart = performance.now();
    await writeReport(fsarDepsOf(deps), { assessors: timed });
    const warmupMs = performance.now() - warmStart;
    recording = true;
    const runs: number[] = [];
    let last: Awaited<ReturnType<typeof writeReport>> | null = null;
    for (let i = 0; i < options.runs; i++) {
      const start = performance.now();
      last = await writeReport(fsarDepsOf(deps), { assessors: timed });
      runs.push(performance.now() - start);
      options.say(`  run ${i + 1}: ${Math.round(runs[i]!)} ms`);
    }
    const assessors = [...times].map(([name, ms]) => timing(name, ms));
    const rest = timing(
      "rest",
      runs.map((total, i) => total - [...times.values()].reduce((sum, ms) => sum + ms[i]!, 0)),
    );
    const report = timing("writeReport", runs);
    if (options.keep || options.reuse) options.say(`database kept: ${url}`);
    return {
      tasks: counts.tasks,
      attempts: counts.attempts,
      failedAttempts: counts.failed,
      rollupRows: counts.rollups,
      modelCalls: counts.calls,
      loadS: load?.totalS ?? 0,
      load: load ?? { insertS: 0, compactionS: 0, compactedRows: 0, prunedRows: 0, vacuumS: 0 },
      rollupsBy: "trigger",
      report: {
        runs: report.runsMs,
        medianMs: report.medianMs,
        maxMs: report.maxMs,
        warmupMs: Math.round(warmupMs),
      },
      assessors,
      rest,
      findings: (last?.report.findings ?? []).map((f) => ({
        key: f.key,
        severity: f.severity,
        blocking: f.blocking,
      })),
      targetMs,
      met: report.medianMs <= targetMs && report.maxMs <= targetMs,
    };
  } finally {
    await db.close();
    if (created && !options.keep) await created.drop();
  }
}

function timing(name: string, ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length === 0
      ? 0
      : sorted.length % 2 === 1
        ? sorted[Math.floor(mid)]!
        : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    name,
    runsMs: ms.map(round),
    medianMs: round(median),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

async function loadHistory(db: PostgresDatabase, tasks: number, say: (text: string) => void) {
  const start = performance.now();
  const end = new Date();
  await db.query(
    `INSERT INTO ideas (id, key, title, status) OVERRIDING SYSTEM VALUE
     SELECT i, 'idea-' || lpad(i::text, 2, '0'), 'Idea ' || i, 'active' FROM generate_series(1, 20) i`,
  );
  const bar = progress("loading tasks");
  bar.start(tasks, 0, { rate: "" });
  await db.withSession(async (session) => {
    for (let first = 1; first <= tasks; first += chunk) {
      const last = Math.min(tasks, first + chunk - 1);
      await session.transaction(async (tx) => {
        await tx.query(drawSql, [first, last, tasks, end, days, models]);
        await tx.query(insertTasksSql);
        await tx.query(insertAttemptsSql);
        await tx.query(insertCallsSql, [first, last]);
      });
      const perS = (last / (performance.now() - start)) * 1000;
      bar.update(last, { rate: `${Math.round(perS).toLocaleString("en-US")} tasks/s` });
    }
  });
  bar.stop();
  const insertS = (performance.now() - start) / 1000;
  await db.query(
    "SELECT setval(pg_get_serial_sequence('execution_tasks', 'id'), (SELECT max(id) FROM execution_tasks))",
  );
  // What the workers' maintenance does: compaction of closed buckets, retention of minute rows.
  say("compacting the rollups' shard rows (the workers' step) …");
  const compactStart = performance.now();
  let compactedRows = 0;
  await db.withSession((session) =>
    compactRollups(session, {
      since: new Date(0),
      batch: 50_000,
      onBatch: (_table, _grain, moved) => {
        compactedRows += moved;
      },
    }),
  );
  const compactionS = (performance.now() - compactStart) / 1000;
  say(
    `compacted ${compactedRows.toLocaleString("en-US")} shard rows in ${compactionS.toFixed(1)} s; pruning minute rows older than 7 days …`,
  );
  let prunedRows = 0;
  for (let n = 1; n > 0; prunedRows += n) n = await pruneMinuteRollups(db, 7);
  say("VACUUM ANALYZE …");
  const vacuumStart = performance.now();
  await db.exec("VACUUM ANALYZE");
  const vacuumS = (performance.now() - vacuumStart) / 1000;
  const totalS = (performance.now() - start) / 1000;
  say(`loaded in ${totalS.toFixed(1)} s (inserts ${insertS.toFixed(1)} s)`);
  return {
    totalS: round(totalS),
    insertS: round(insertS),
    compactionS: round(compactionS),
    compactedRows,
    prunedRows,
    vacuumS: round(vacuumS),
  };
}

function progress(label: string) {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {rate}`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** A uniform draw in (0, 1) from a hash of the task id and a salt. */
const u = (salt: number) => `(((hashint8extended(id, ${salt}) & 2147483647)::float8 + 0.5) / 2147483648.0)`;

// $1 first id, $2 last id, $3 tasks, $4 the end of the history, $5 days, $6 the models.
// fate: under 0.005 the task failed for good (one failed attempt); under 0.05 its first attempt
// failed and a second succeeded; else one attempt that succeeded. The newest 500 are queued.
const drawSql = `
CREATE TEMP TABLE fsar_chunk ON COMMIT DROP AS
SELECT d.*,
       d.created_at + make_interval(secs => d.wait_ms / 1000) AS started1,
       d.created_at + make_interval(secs => (d.wait_ms + d.run_ms * CASE WHEN d.fate < 0.05 THEN 0.5 ELSE 1 END) / 1000) AS finished1
  FROM (
    SELECT id,
           (ARRAY['Implement Ideas', 'Idea Implementation', 'Self-Improvement'])[1 + id % 3] AS stage,
           CASE WHEN id % 5 < 3 THEN 'llm' WHEN id % 5 = 3 THEN 'noop' ELSE 'sleep' END AS kind,
           CASE WHEN id % 5 < 3 THEN ($6::text[])[1 + floor(${u(1)} * 4)::int] END AS model,
           CASE WHEN id % 4 = 0 THEN NULL ELSE 1 + id % 20 END AS idea_id,
           id > $3::bigint - 500 AS live,
           ${u(2)} AS fate,
           ${u(5)} AS kind_draw,
           200 + ${u(3)} * 2000 AS wait_ms,
           CASE WHEN id % 5 < 3 THEN 2000 + ${u(4)} * 8000 WHEN id % 5 = 3 THEN 5 + ${u(4)} * 20 ELSE 100 + ${u(4)} * 400 END AS run_ms,
           'worker-' || (1 + id % 4) AS worker_id,
           $4::timestamptz - make_interval(days => $5::int)
             + (make_interval(days => $5::int) - interval '2 minutes') * ((id - 1)::float8 / $3::int) AS created_at
      FROM generate_series($1::bigint, $2::bigint) id
  ) d`;

const insertTasksSql = `
INSERT INTO execution_tasks (id, kind, stage, status, idea_id, payload, result, error, ai_model, attempts, max_attempts,
                             run_at, created_at, updated_at, started_at, finished_at, input_tokens, output_tokens, cost_usd,
                             priority_at)
OVERRIDING SYSTEM VALUE
SELECT id, kind, stage, s.status, idea_id, '{"brief": "bench"}',
       CASE WHEN s.status = 'succeeded' THEN '{"ok": true}'::jsonb END,
       CASE WHEN s.status = 'failed' THEN '{"class": "HandlerError", "message": "invalid payload: missing field brief"}'::jsonb END,
       CASE WHEN NOT live THEN model END,
       CASE WHEN live THEN 0 WHEN fate >= 0.005 AND fate < 0.05 THEN 2 ELSE 1 END,
       CASE WHEN fate < 0.005 THEN 1 ELSE 3 END,
       created_at, created_at, CASE WHEN live THEN created_at ELSE finished1 + interval '5 seconds' END,
       CASE WHEN NOT live THEN started1 END,
       CASE WHEN NOT live THEN finished1 + CASE WHEN fate >= 0.005 AND fate < 0.05 THEN interval '5 seconds' ELSE interval '0' END END,
       CASE WHEN model IS NULL OR live THEN 0 ELSE 1500 END, CASE WHEN model IS NULL OR live THEN 0 ELSE 400 END,
       CASE WHEN model IS NULL OR live THEN 0 ELSE 0.0025 END,
       created_at
  FROM fsar_chunk
 CROSS JOIN LATERAL (SELECT CASE WHEN live THEN 'queued' WHEN fate < 0.005 THEN 'failed' ELSE 'succeeded' END AS status) s
 ORDER BY id`;

// Attempt 1 of every task that ran (failed when fate < 0.05), and attempt 2 of those retried:
// queued a second after the first ended, 5 s after it in all. One statement: one trigger run.
const insertAttemptsSql = `
INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                           error_class, error_message, input_tokens, output_tokens, cost_usd)
SELECT id, a.attempt, worker_id, model, a.outcome, a.queued_at, a.started_at, a.finished_at, a.error_class, a.error_message,
       CASE WHEN model IS NULL THEN 0 ELSE 1500 END, CASE WHEN model IS NULL OR a.outcome <> 'succeeded' THEN 0 ELSE 400 END,
       CASE WHEN model IS NULL THEN 0 ELSE 0.0025 END
  FROM fsar_chunk c
 CROSS JOIN LATERAL (
   SELECT 1 AS attempt, CASE WHEN c.fate < 0.05 THEN 'failed' ELSE 'succeeded' END AS outcome,
          c.created_at AS queued_at, c.started1 AS started_at, c.finished1 AS finished_at,
          CASE WHEN c.fate < 0.005 THEN 'HandlerError' WHEN c.fate < 0.05 THEN
               (ARRAY['ServerError', 'TimeoutError', 'RateLimited'])[1 + floor(c.kind_draw * 3)::int] END AS error_class,
          CASE WHEN c.fate < 0.005 THEN 'invalid payload: missing field "brief" in task ' || c.id
               WHEN c.fate < 0.05 THEN (ARRAY['upstream returned 500 after ' || (c.id % 900) || ' ms',
                                              'timed out after 30000 ms', 'rate limited: retry after ' || (c.id % 60) || ' s'])
                                       [1 + floor(c.kind_draw * 3)::int] END AS error_message
   UNION ALL
   SELECT 2, 'succeeded', c.finished1 + interval '1 second', c.finished1 + interval '1.5 seconds',
          c.finished1 + interval '5 seconds', NULL, NULL
    WHERE c.fate >= 0.005 AND c.fate < 0.05
 ) a
 WHERE NOT c.live
 ORDER BY id, a.attempt`;

const insertCallsSql = `
INSERT INTO model_calls (task_id, attempt, model_id, provider, kind, idea_id, started_at, finished_at, estimated_tokens,
                         input_tokens, output_tokens, cost_usd, outcome)
SELECT a.task_id, a.attempt, a.ai_model, 'sim', c.kind, c.idea_id, a.started_at, a.finished_at, 2000, a.input_tokens,
       a.output_tokens, a.cost_usd, CASE WHEN a.outcome = 'succeeded' THEN 'succeeded' ELSE 'failed' END
  FROM task_attempts a JOIN fsar_chunk c ON c.id = a.task_id
 WHERE a.ai_model IS NOT NULL AND a.task_id BETWEEN $1 AND $2`;
