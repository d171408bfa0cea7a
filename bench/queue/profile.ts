import pg from "pg";
import type { Queryable } from "../../src/db/database.ts";
import { type ClaimOptions, claimTasks } from "../../src/tasks/claim-tasks.ts";
import { type AttemptReport, completeTasks } from "../../src/tasks/complete-tasks.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { ClaimedTask } from "../../src/tasks/task.ts";
import { WorkerPool } from "../../src/workers/worker-pool.ts";
import { watchCpu } from "./cpu.ts";
import { deferred, offerAtRate, progress, sleep, within } from "./harness.ts";
import type { BenchOptions } from "./options.ts";
import { type Backend, type BenchSteward, openSteward, warmPool } from "./steward.ts";
import { TimedDatabase } from "./timed-database.ts";

/**
 * Where Steward's time goes (npm run bench:queue -- --profile), on each backend; Markdown on stdout:
 * 1. claimTasks and completeTasks alone, in a loop that claims a batch and completes it, at the
 *    batch sizes the benchmark tries: µs per task over the whole drain, and for completions also
 *    over its first and last quarter (does the cost grow as the drain goes on?); median of --rounds;
 * 2. a WorkerPool drain through a Database that keeps time: wall time, time with a statement in
 *    flight, CPU, per statement kind the calls, tasks per call and ms per call; on PostgreSQL the
 *    WAL written and the row versions (HOT or not);
 * 3. the pickup scenario counted: statements per task of an idle worker at --rate;
 * 4. the plans: EXPLAIN ANALYZE of a completion late in a drain, and (PostgreSQL) the claim's
 *    inner statement through auto_explain.
 * Each figure comes with the share of the machine's CPU that other work took meanwhile.
 */
export async function runProfile(options: BenchOptions): Promise<void> {
  const say = (line = "") => process.stdout.write(`${line}\n`);
  for (const backend of options.backends) {
    say(`## ${backend}`);
    say();
    say(
      `Statements alone (claim a batch, complete it, repeat until the queue is empty; the median of ${options.rounds} drains):`,
    );
    say();
    say(
      "| batch | claim µs/task | complete µs/task | complete, first quarter | complete, last quarter | claim+complete tasks/s | other work on the machine |",
    );
    say("|---:|---:|---:|---:|---:|---:|---:|");
    for (const batch of [200, 500, 1_000]) {
      const drains: StatementCosts[] = [];
      for (let run = 1; run <= options.rounds; run++) {
        progress(`profile: ${backend}, statements alone, batch ${batch}, drain ${run} of ${options.rounds}`);
        drains.push(await statementCosts(backend, options.server, options.tasks, batch));
      }
      drains.sort((a, b) => a.claimUs + a.completeUs - (b.claimUs + b.completeUs));
      const r = drains[Math.floor(drains.length / 2)]!;
      const other = Math.max(...drains.map((d) => d.otherShare));
      say(
        `| ${batch} | ${r.claimUs.toFixed(1)} | ${r.completeUs.toFixed(1)} | ${r.firstQuarterUs.toFixed(1)} | ${r.lastQuarterUs.toFixed(1)} | ${Math.round(1e6 / (r.claimUs + r.completeUs)).toLocaleString("en-US")} | ≤ ${(100 * other).toFixed(0)} % |`,
      );
    }
    say();
    const concurrency = backend === "pglite" ? 500 : 1_000;
    progress(`profile: ${backend}, timed WorkerPool drain`);
    say(`A WorkerPool drain (concurrency ${concurrency}, claimBatch ${concurrency}), timed per statement:`);
    say();
    for (const line of await timedDrain(backend, options.server, options.tasks, concurrency)) say(line);
    say();
    progress(`profile: ${backend}, statements of an idle worker at ${options.pickupRate} tasks/s`);
    say(
      `An idle worker (concurrency 10) given ${options.pickupTasks} single enqueues at ${options.pickupRate}/s, statements counted:`,
    );
    say();
    for (const line of await idleStatements(backend, options.server, options.pickupTasks, options.pickupRate))
      say(line);
    say();
    progress(`profile: ${backend}, plans`);
    for (const line of await plans(backend, options.server, options.tasks)) say(line);
    say();
  }
}

interface StatementCosts {
  claimUs: number;
  completeUs: number;
  firstQuarterUs: number;
  lastQuarterUs: number;
  /** CPU share other work on the machine took meanwhile. */
  otherShare: number;
}

const claimOptions = (limit: number): ClaimOptions => ({
  workerId: "profile",
  limit,
  kinds: ["noop"],
  leaseMs: 30_000,
});

function reportsFor(claimed: ClaimedTask[]): AttemptReport[] {
  const finishedAt = new Date();
  return claimed.map((task) => ({
    taskId: task.id,
    attempt: task.attempt,
    outcome: "succeeded",
    result: null,
    queuedAt: task.readyAt,
    startedAt: task.startedAt,
    finishedAt,
    retryAt: null,
  }));
}

async function fill(deps: Parameters<typeof enqueueTasks>[0], tasks: number): Promise<void> {
  for (let done = 0; done < tasks; done += 2_000)
    await enqueueTasks(
      deps,
      Array.from({ length: Math.min(2_000, tasks - done) }, () => ({ kind: "noop" })),
    );
}

async function statementCosts(
  backend: Backend,
  server: string,
  tasks: number,
  batch: number,
): Promise<StatementCosts> {
  const steward = await openSteward(backend, server);
  try {
    const { deps } = steward;
    await fill(deps, tasks);
    let claimMs = 0;
    const completions: { ms: number; tasks: number }[] = [];
    const cpuWatch = await watchCpu(backend === "postgres" ? server : null);
    for (;;) {
      const t0 = performance.now();
      const claimed = await claimTasks(deps.db, claimOptions(batch));
      const t1 = performance.now();
      if (claimed.length === 0) break;
      await completeTasks(deps.db, "profile", reportsFor(claimed), deps.config.tasks.urgencyStepSeconds);
      completions.push({ ms: performance.now() - t1, tasks: claimed.length });
      claimMs += t1 - t0;
    }
    const perTask = (list: { ms: number; tasks: number }[]) =>
      (1000 * list.reduce((s, c) => s + c.ms, 0)) / list.reduce((s, c) => s + c.tasks, 0);
    const quarter = Math.max(1, Math.floor(completions.length / 4));
    const { otherShare } = await cpuWatch.stop();
    return {
      otherShare,
      claimUs: (1000 * claimMs) / tasks,
      completeUs: perTask(completions),
      firstQuarterUs: perTask(completions.slice(0, quarter)),
      lastQuarterUs: perTask(completions.slice(-quarter)),
    };
  } finally {
    await steward.close();
  }
}

async function timedDrain(
  backend: Backend,
  server: string,
  tasks: number,
  concurrency: number,
): Promise<string[]> {
  const steward = await openSteward(backend, server);
  try {
    await fill(steward.deps, tasks);
    const db = new TimedDatabase(steward.deps.db);
    const pool = new WorkerPool({ ...steward.deps, db }, { concurrency, claimBatch: concurrency });
    const done = deferred();
    let recorded = 0;
    pool.on("recorded", (completed) => {
      recorded += completed.length;
      if (recorded >= tasks) done.resolve();
    });
    pool.on("error", (error) => done.reject(error));
    if (backend === "postgres") await warmPool(steward.deps.db, steward.deps.config.database.poolSize);
    const cpuWatch = await watchCpu(backend === "postgres" ? server : null);
    db.reset();
    const t0 = performance.now();
    await pool.start();
    await within(done.promise, 120_000, "the profiled drain");
    const wallMs = performance.now() - t0;
    const cpu = await cpuWatch.stop();
    await pool.stop();
    const lines = [
      `- wall ${wallMs.toFixed(0)} ms (${Math.round(tasks / (wallMs / 1000)).toLocaleString("en-US")} tasks/s); a statement in flight for ${db.busyMs.toFixed(0)} ms (${((100 * db.busyMs) / wallMs).toFixed(0)} %)`,
      `- CPU of this Node process: ${cpu.nodeMs.toFixed(0)} ms (${((100 * cpu.nodeMs) / wallMs).toFixed(0)} % of one core)` +
        (cpu.serverMs === null
          ? ""
          : `; CPU of its PostgreSQL backends: ${cpu.serverMs.toFixed(0)} ms (${((100 * cpu.serverMs) / wallMs).toFixed(0)} % of one core)`) +
        `; other work on the machine: ${(100 * cpu.otherShare).toFixed(0)} %`,
    ];
    for (const [kind, t] of db.totals) {
      if (kind !== "claim" && kind !== "complete") {
        lines.push(`- ${kind}: ${t.calls} calls, ${t.ms.toFixed(0)} ms`);
        continue;
      }
      lines.push(
        `- ${kind}: ${t.calls} calls, ${(t.tasks / t.calls).toFixed(0)} tasks per call, ${(t.ms / t.calls).toFixed(1)} ms per call, ${((1000 * t.ms) / Math.max(1, t.tasks)).toFixed(1)} µs per task (call time, includes waiting)`,
      );
    }
    if (backend === "postgres") {
      if (cpu.walBytes !== null)
        lines.push(`- WAL written: ${Math.round(cpu.walBytes / tasks)} bytes per task (the whole cluster's)`);
      lines.push(...(await rowWrites(steward)));
    }
    return lines;
  } finally {
    await steward.close();
  }
}

/**
 * Row versions written by the enqueue and the drain, from the statistics views: a backend reports
 * its counts when it exits, so the pool is closed first (closing twice is harmless).
 */
async function rowWrites(steward: BenchSteward): Promise<string[]> {
  await steward.deps.db.close();
  await sleep(300); // the backends' exit, which flushes their counts, follows the closed sockets
  const client = new pg.Client({ connectionString: steward.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; ins: string; upd: string; hot: string }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
        WHERE relname IN ('execution_tasks', 'task_attempts') ORDER BY relname`,
    );
    return rows.map(
      (r) => `- ${r.relname}: ${r.ins} rows inserted, ${r.upd} updated (${r.hot} of the updates HOT)`,
    );
  } finally {
    await client.end();
  }
}

/**
 * The pickup scenario, counted: per task, how many claims (and how many found nothing), completions
 * and enqueue transactions the database served, and how long each took from call to answer.
 */
async function idleStatements(
  backend: Backend,
  server: string,
  count: number,
  rate: number,
): Promise<string[]> {
  const steward = await openSteward(backend, server);
  try {
    const db = new TimedDatabase(steward.deps.db);
    const deps = { ...steward.deps, db };
    const pool = new WorkerPool(deps, { concurrency: 10 });
    const done = deferred();
    let recorded = 0;
    pool.on("recorded", (completed) => {
      recorded += completed.length;
      if (recorded >= count) done.resolve();
    });
    await pool.start();
    db.reset();
    const cpuWatch = await watchCpu(backend === "postgres" ? server : null);
    await offerAtRate(count, rate, () => enqueueTasks(deps, [{ kind: "noop" }]));
    await within(done.promise, 30_000, "the idle worker's completions");
    const { otherShare } = await cpuWatch.stop();
    await pool.stop();
    const counted = [...db.totals].map(([kind, t]) => {
      const perTask = (t.calls / count).toFixed(2);
      const empty = kind === "claim" ? `, ${t.empty} of them found nothing` : "";
      const what = kind === "transaction" ? "enqueue transactions" : `${kind} statements`;
      return `- ${what}: ${t.calls} (${perTask} per task${empty}), ${(t.ms / t.calls).toFixed(2)} ms each on average`;
    });
    return [...counted, `- other work on the machine meanwhile: ${(100 * otherShare).toFixed(0)} %`];
  } finally {
    await steward.close();
  }
}

/**
 * EXPLAIN ANALYZE of one completion of 200 and one of 1,000, after three quarters of the queue was
 * drained in batches of that size (rolled back), and on PostgreSQL the claim's inner statement.
 */
async function plans(backend: Backend, server: string, tasks: number): Promise<string[]> {
  const lines: string[] = [];
  for (const batch of [200, 1_000]) {
    const steward = await openSteward(backend, server);
    try {
      const { deps } = steward;
      await fill(deps, tasks);
      for (let done = 0; done < Math.floor((tasks * 3) / 4); ) {
        const claimed = await claimTasks(deps.db, claimOptions(batch));
        await completeTasks(deps.db, "profile", reportsFor(claimed), deps.config.tasks.urgencyStepSeconds);
        done += claimed.length;
      }
      const claimed = await claimTasks(deps.db, claimOptions(batch));
      // The completion's statement and parameters, captured rather than copied from its module.
      let captured: { sql: string; params: readonly unknown[] } | undefined;
      const recorder: Queryable = {
        async query(sql, params) {
          captured ??= { sql, params: params ?? [] };
          // The plain completion's answer when nothing was recorded (its reports are plain successes).
          return { rows: [{ done: "[0,[],[]]" }], rowCount: 0 } as never;
        },
        async exec() {},
      };
      await completeTasks(recorder, "profile", reportsFor(claimed), deps.config.tasks.urgencyStepSeconds);
      const plan = await deps.db.withSession(async (session) => {
        await session.query("BEGIN");
        try {
          const { rows } = await session.query<Record<string, string>>(
            `EXPLAIN (ANALYZE, BUFFERS) ${captured!.sql}`,
            captured!.params,
          );
          return rows.map((row) => Object.values(row)[0]!);
        } finally {
          await session.query("ROLLBACK");
        }
      });
      lines.push(
        `Completion of ${claimed.length} tasks after ${Math.floor((tasks * 3) / 4)} were completed in batches of ${batch} (EXPLAIN ANALYZE, rolled back):`,
        "",
        "```",
        ...plan.map((line) => line.replace(/ANY \('\{[^}]*\}'/g, "ANY ('{…}'")),
        "```",
        "",
      );
      if (backend === "postgres" && batch === 1_000) lines.push(...(await claimPlan(steward.url, batch)));
    } finally {
      await steward.close();
    }
  }
  return lines;
}

/** The claim runs inside a function: auto_explain shows the plan of the statement inside it. */
async function claimPlan(url: string, batch: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const notices: string[] = [];
  client.on("notice", (notice) => notices.push(notice.message ?? ""));
  try {
    await client.query(
      "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; SET auto_explain.log_nested_statements = on; SET client_min_messages = log",
    );
    await client.query("BEGIN");
    await client.query("SELECT steward_claim_tasks('profile', $1, ARRAY['noop'], 30000)", [batch]);
    await client.query("ROLLBACK");
  } finally {
    await client.end();
  }
  const inner = notices.find((n) => n.includes("WITH picked AS")) ?? notices[0] ?? "(no plan logged)";
  const planOnly = inner.slice(inner.indexOf("\nUpdate on") + 1);
  return [
    `Claim of ${batch} (the statement inside steward_claim_tasks, via auto_explain):`,
    "",
    "```",
    planOnly,
    "```",
    "",
  ];
}
