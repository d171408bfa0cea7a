import type { Queryable, Session } from "../../src/db/database.ts";
import { attemptsBySlot, failShare, ideaCount, kinds, models, workerCount } from "./history-mix.ts";

/**
 * Loads a history of tasks and their attempts into a migrated Steward database, in chunks of
 * consecutive task ids: each chunk's attempts are drawn into a temporary table, then its tasks
 * (their status, times, tokens and cost those of their attempts), attempts and model calls are
 * inserted from it in one transaction. The attempts go through task_attempts' rollup trigger,
 * as the engine's completions do, so the rollups are what the engine would have written.
 *
 * Every draw is a seeded hash of the task id and attempt number (hashint8extended), so that the
 * same seed, tasks and end time load the same rows.
 *
 * The history: tasks created evenly over `days` up to `end`, ids in creation order; attempts per
 * task by its slot (history-mix.ts), each attempt's queue wait and duration log-normal (the
 * duration's median by kind and model speed), backoff doubling from 1 s up to 5 min between
 * attempts; a task's last attempt succeeds unless the task failed for good. Every tenth of the
 * newest 30,000 tasks (3,000 of a million) is still live: all its attempts failed, and it is
 * queued again for a worker or running (a fifth of them) its next attempt.
 */
export interface HistoryShape {
  tasks: number;
  days: number;
  end: Date;
  seed: number;
}

/** Ideas, ids 1…50, before any task names one. */
export async function loadIdeas(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO ideas (id, key, title, status, income_stream) OVERRIDING SYSTEM VALUE
     SELECT i, 'idea-' || lpad(i::text, 2, '0'), 'Idea ' || i, CASE WHEN i % 10 = 0 THEN 'paused' ELSE 'active' END,
            'stream-' || (1 + i % 5)
       FROM generate_series(1, $1::int) i`,
    [ideaCount],
  );
}

export interface ChunkTimes {
  drawMs: number;
  tasksMs: number;
  /** The attempts' insert, with the rollup trigger. */
  attemptsMs: number;
  modelCallsMs: number;
  attempts: number;
}

/** Loads tasks firstId…lastId and their attempts in one transaction on `session`. */
export async function loadChunk(
  session: Session,
  shape: HistoryShape,
  firstId: number,
  lastId: number,
): Promise<ChunkTimes> {
  return session.transaction(async (tx) => {
    const timed = async (sql: string, params: unknown[]) => {
      const start = performance.now();
      const result = await tx.query(sql, params);
      return { ms: performance.now() - start, rows: result.rowCount };
    };
    const draw = await timed(drawSql, [
      firstId,
      lastId,
      shape.seed,
      shape.end,
      shape.days,
      shape.tasks,
      JSON.stringify(kindRanges),
      JSON.stringify(modelRanges),
      attemptsBySlot,
      attemptsBySlot.map(failShare),
      workerCount,
      ideaCount,
    ]);
    const tasks = await timed(insertTasksSql, [shape.end]);
    // The trigger reads the task's status when it counts an attempt (tasks_failed, deadline
    // misses), as the engine has it: a task that failed for good is still queued while its
    // earlier attempts are recorded, and failed when its last one is.
    const attempts = await timed(`${insertAttemptsSql} WHERE NOT (last AND gave_up) ORDER BY id, k`, []);
    const failed = await timed(
      `UPDATE execution_tasks t SET status = 'failed' FROM bench_chunk c
        WHERE c.last AND c.gave_up AND t.id = c.id`,
      [],
    );
    const lastAttempts = await timed(`${insertAttemptsSql} WHERE last AND gave_up ORDER BY id, k`, []);
    const calls = await timed(insertModelCallsSql, []);
    return {
      drawMs: draw.ms,
      tasksMs: tasks.ms + failed.ms,
      attemptsMs: attempts.ms + lastAttempts.ms,
      modelCallsMs: calls.ms,
      attempts: attempts.rows + lastAttempts.rows,
    };
  });
}

/**
 * After the last chunk: the claims of the running tasks and their model calls in flight, what
 * the scheduler learned per model and kind (from the rollups), the identity past the last id,
 * and fresh planner statistics (as autovacuum would have them on a database that grew this way).
 */
export async function finishHistory(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO task_claims (worker_id, task_ids, claimed_at)
     SELECT locked_by, array_agg(id ORDER BY id), min(updated_at) FROM execution_tasks
      WHERE status = 'running' GROUP BY locked_by`,
  );
  await db.query(
    `INSERT INTO model_calls (task_id, attempt, model_id, provider, kind, idea_id, started_at, estimated_tokens)
     SELECT t.id, t.attempts, t.ai_model, m.provider, t.kind, t.idea_id, t.updated_at, 3200
       FROM execution_tasks t JOIN jsonb_to_recordset($1::jsonb) AS m(id text, provider text) ON m.id = t.ai_model
      WHERE t.status = 'running'`,
    [JSON.stringify(modelRanges)],
  );
  await db.query(
    `INSERT INTO model_kind_stats (model_id, kind, attempts, successes, mean_duration_ms)
     SELECT model, kind, least(sum(attempts), 2000000000)::int, least(sum(succeeded), 2000000000)::int,
            sum(duration_ms) / sum(attempts)
       FROM task_rollups WHERE grain = 'day' AND model <> '' GROUP BY model, kind`,
  );
  await db.query(
    "SELECT setval(pg_get_serial_sequence('execution_tasks', 'id'), (SELECT max(id) FROM execution_tasks))",
  );
  await db.exec("VACUUM ANALYZE");
}

const cumulative = <T extends { share: number }>(items: T[]) => {
  let lo = 0;
  return items.map((item) => {
    const range = { ...item, lo, hi: lo + item.share };
    lo += item.share;
    return range;
  });
};
const kindRanges = cumulative(kinds).map((k) => ({
  kind: k.kind,
  stage: k.stage,
  lo: k.lo,
  hi: k.hi,
  on_model: k.onModel,
  median_ms: k.medianMs,
  of_idea: k.ofIdea,
}));
const modelRanges = cumulative(models).map((m) => ({
  id: m.id,
  provider: m.provider,
  lo: m.lo,
  hi: m.hi,
  speed: m.speed,
  pin: m.inputPerMTok,
  pout: m.outputPerMTok,
}));

/** A uniform draw in (0, 1) from the seeded hash of `key` (a bigint expression) and a salt. */
const u = (key: string, salt: number) =>
  `(((hashint8extended((${key})::bigint, $3::bigint * 64 + ${salt}) & 2147483647)::float8 + 0.5) / 2147483648.0)`;
const ak = "t.id * 64 + a.k";

const drawSql = `
CREATE TEMP TABLE bench_chunk ON COMMIT DROP AS
WITH t AS (
  SELECT s.id, s.n, s.live, s.live AND s.id % 50 = 0 AS running,
         NOT s.live AND ${u("s.id", 2)} < ($10::float8[])[s.slot + 1] AS gave_up,
         k.kind, k.stage, k.on_model, k.median_ms,
         CASE WHEN k.of_idea THEN 1 + floor(power(${u("s.id", 3)}, 1.5) * $12::int)::bigint END AS idea_id,
         floor(${u("s.id", 4)} * 11)::smallint AS urgency, floor(${u("s.id", 5)} * 11)::smallint AS complexity,
         ${u("s.id", 6)} AS deadline_draw,
         $4::timestamptz - make_interval(days => $5::int) + make_interval(days => $5::int) * ((s.id - 1)::float8 / $6::int) AS planned
    FROM (SELECT id, (id * 7) % 20 AS slot, ($9::int[])[(id * 7) % 20 + 1] AS n,
                 id > $6::bigint - 30000 AND id % 10 = 0 AS live
            FROM generate_series($1::bigint, $2::bigint) id) s
    JOIN jsonb_to_recordset($7::jsonb) AS k(kind text, stage text, lo float8, hi float8, on_model boolean,
                                            median_ms float8, of_idea boolean)
      ON ${u("s.id", 1)} * 100 >= k.lo AND ${u("s.id", 1)} * 100 < k.hi
), a AS (
  SELECT t.*, a.k, a.k = t.n AS last, m.id AS model, m.provider, m.speed, m.pin, m.pout,
         'worker-' || (1 + floor(${u(ak, 16)} * $11::int))::int AS worker_id,
         sqrt(-2 * ln(${u(ak, 10)})) AS r1, 2 * pi() * ${u(ak, 11)} AS th1,
         sqrt(-2 * ln(${u(ak, 12)})) AS r2, 2 * pi() * ${u(ak, 13)} AS th2,
         ${u(ak, 14)} AS outcome_draw, ${u(ak, 15)} AS backoff_draw
    FROM t
   CROSS JOIN LATERAL generate_series(1, t.n) AS a(k)
    LEFT JOIN jsonb_to_recordset($8::jsonb) AS m(id text, provider text, lo float8, hi float8, speed float8,
                                                 pin float8, pout float8)
      ON t.on_model
     AND (CASE WHEN a.k = 1 OR ${u(ak, 8)} < 0.7 THEN ${u("t.id", 7)} ELSE ${u(ak, 9)} END) * 100 >= m.lo
     AND (CASE WHEN a.k = 1 OR ${u(ak, 8)} < 0.7 THEN ${u("t.id", 7)} ELSE ${u(ak, 9)} END) * 100 < m.hi
), o AS (
  SELECT a.*,
         CASE WHEN a.last AND NOT a.live AND NOT a.gave_up THEN 'succeeded'
              WHEN a.outcome_draw < 0.75 THEN 'failed' WHEN a.outcome_draw < 0.93 THEN 'timed_out'
              ELSE 'lease_lost' END AS outcome,
         1500 * exp(1.3 * a.r1 * cos(a.th1)) AS wait_ms,
         a.median_ms * COALESCE(a.speed, 1) * exp(0.6 * a.r1 * sin(a.th1)) AS run_ms,
         CASE WHEN a.last AND NOT a.live THEN 0
              ELSE least(1000 * power(2, a.k - 1), 300000) * (0.5 + 0.5 * a.backoff_draw) END AS backoff_ms,
         CASE WHEN a.model IS NULL THEN 0 ELSE round(2500 * exp(0.7 * a.r2 * cos(a.th2))) END AS input_tokens,
         CASE WHEN a.model IS NULL THEN 0 ELSE round(700 * exp(0.9 * a.r2 * sin(a.th2))) END AS output_tokens
    FROM a
), d AS (
  SELECT o.*,
         -- A timed-out attempt ran to its timeout; a lost lease was noticed when it expired.
         CASE o.outcome WHEN 'timed_out' THEN o.run_ms * 3 WHEN 'lease_lost' THEN o.run_ms + 30000
              ELSE o.run_ms END AS duration_ms
    FROM o
), w AS (
  SELECT d.*,
         COALESCE(sum(d.wait_ms + d.duration_ms + d.backoff_ms) OVER (PARTITION BY d.id ORDER BY d.k
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS offset_ms,
         sum(d.wait_ms + d.duration_ms + d.backoff_ms) OVER (PARTITION BY d.id) AS span_ms
    FROM d
), c AS (
  -- Nothing finishes in the future: a task whose attempts would run past the end starts earlier.
  SELECT w.*, least(w.planned, $4::timestamptz - make_interval(secs => w.span_ms / 1000) - interval '1 minute') AS created_at
    FROM w
)
SELECT c.id, c.k, c.n, c.last, c.live, c.running, c.gave_up, c.kind, c.stage, c.idea_id, c.urgency, c.complexity,
       c.model, c.provider, c.worker_id, c.outcome, c.created_at,
       CASE WHEN c.deadline_draw < 0.2 THEN c.created_at + make_interval(secs => 3600 + c.deadline_draw * 36000) END AS deadline,
       c.created_at + make_interval(secs => c.offset_ms / 1000) AS queued_at,
       c.created_at + make_interval(secs => (c.offset_ms + c.wait_ms) / 1000) AS started_at,
       c.created_at + make_interval(secs => (c.offset_ms + c.wait_ms + c.duration_ms) / 1000) AS finished_at,
       c.created_at + make_interval(secs => c.span_ms / 1000) AS settled_at,
       c.input_tokens::bigint AS input_tokens,
       (CASE WHEN c.outcome = 'succeeded' THEN c.output_tokens ELSE round(c.output_tokens * 0.3) END)::bigint AS output_tokens,
       CASE WHEN c.model IS NULL THEN 0
            ELSE round(((c.input_tokens * c.pin
                         + CASE WHEN c.outcome = 'succeeded' THEN c.output_tokens ELSE round(c.output_tokens * 0.3) END * c.pout)
                        / 1e6)::numeric, 8) END AS cost_usd,
       CASE c.outcome WHEN 'succeeded' THEN NULL WHEN 'timed_out' THEN 'TimeoutError' WHEN 'lease_lost' THEN NULL
            WHEN 'failed' THEN CASE WHEN c.model IS NOT NULL AND c.backoff_draw < 0.3 THEN 'OutputMismatch'
                                    ELSE 'HandlerError' END END AS error_class
  FROM c`;

const insertTasksSql = `
INSERT INTO execution_tasks (id, kind, stage, status, idea_id, urgency, complexity, result, error, ai_model, attempts,
                             max_attempts, run_at, deadline, created_at, updated_at, started_at, finished_at,
                             input_tokens, output_tokens, cost_usd, locked_by, locked_until, priority_at)
OVERRIDING SYSTEM VALUE
SELECT l.id, l.kind, l.stage, s.status, l.idea_id, l.urgency, l.complexity,
       CASE WHEN s.status = 'succeeded' THEN '{"ok": true}'::jsonb END,
       CASE WHEN l.outcome <> 'succeeded' THEN jsonb_build_object('class', COALESCE(l.error_class, 'LeaseLost'),
                                                                  'message', 'attempt ' || l.k || ' ' || l.outcome) END,
       l.model, l.n + CASE WHEN l.running THEN 1 ELSE 0 END,
       CASE WHEN l.gave_up THEN l.n ELSE greatest(3, l.n + 2) END,
       l.settled_at, l.deadline, l.created_at,
       CASE WHEN l.live THEN l.settled_at ELSE l.finished_at END,
       f.started_at, CASE WHEN l.live THEN NULL ELSE l.finished_at END,
       x.input_tokens, x.output_tokens, x.cost_usd,
       CASE WHEN l.running THEN l.worker_id END, CASE WHEN l.running THEN $1::timestamptz + interval '1 minute' END,
       l.settled_at - make_interval(mins => l.urgency)
  FROM bench_chunk l
  JOIN bench_chunk f ON f.id = l.id AND f.k = 1
  JOIN (SELECT id, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
          FROM bench_chunk GROUP BY id) x ON x.id = l.id
 CROSS JOIN LATERAL (SELECT CASE WHEN l.running THEN 'running' WHEN l.live OR l.gave_up THEN 'queued'
                                 ELSE 'succeeded' END AS status) s
 WHERE l.last
 ORDER BY l.id`;

const insertAttemptsSql = `
INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                           error_class, error_message, input_tokens, output_tokens, cost_usd)
SELECT id, k, worker_id, model, outcome, queued_at, started_at, finished_at, error_class,
       CASE WHEN outcome <> 'succeeded' THEN 'attempt ' || k || ' ' || outcome END,
       input_tokens, output_tokens, cost_usd
  FROM bench_chunk`;

const insertModelCallsSql = `
INSERT INTO model_calls (task_id, attempt, model_id, provider, kind, idea_id, started_at, finished_at,
                         estimated_tokens, input_tokens, output_tokens, cost_usd, outcome)
SELECT id, k, model, provider, kind, idea_id, started_at, finished_at, 3200, input_tokens, output_tokens, cost_usd,
       CASE WHEN outcome = 'succeeded' THEN 'succeeded' WHEN outcome = 'timed_out' THEN 'timed_out' ELSE 'failed' END
  FROM bench_chunk WHERE model IS NOT NULL ORDER BY id, k`;
