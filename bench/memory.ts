/**
 * Memory benchmark: the resident set (RSS) of Steward's processes while they work, sampled from
 * /proc every few seconds, with /readyz and the dashboard's GET /api/status probed throughout and
 * one dashboard event stream (GET /api/events) open, as a browser tab on the Status page does.
 *
 *   embedded   `steward start` on a new embedded database (what `npm start` runs), demo on
 *   postgres   `steward start` and `steward worker` on a new PostgreSQL database, sharing the
 *              demo workload (demo.enabled: true, so both know the simulated models)
 *
 *   npm run bench:memory                               both, five minutes each
 *   npm run bench:memory -- --seconds 60 --only embedded
 *   STEWARD_BENCH_POSTGRES_URL=postgres://…/postgres   the server to create the database on
 *
 * Targets (docs/benchmarks.md): ≤ 400 MB embedded; ≤ 150 MB per process on PostgreSQL.
 * Everything it starts is stopped, and its folder and database removed, even on Ctrl-C.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";

const { values: flags } = parseArgs({
  options: {
    seconds: { type: "string", default: "300" },
    only: { type: "string", default: "embedded,postgres" },
  },
});
const seconds = Number(flags.seconds);
if (!Number.isFinite(seconds) || seconds < 20)
  throw new Error(`--seconds must be a number ≥ 20, not ${flags.seconds}`);
const phases = flags.only.split(",");
for (const phase of phases) {
  if (phase !== "embedded" && phase !== "postgres")
    throw new Error(`--only names "${phase}"; phases are embedded, postgres`);
}
const serverUrl = process.env.STEWARD_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const sampleEveryMs = 2_000;
const probeEveryMs = 5_000;
const idleBeforeProbeMs = 10_000;
const cli = path.join(import.meta.dirname, "..", "dist", "cli", "main.js");
const targets = { embedded: 400, postgres: 150 };

const started: ChildProcess[] = [];
const rows: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
process.once("SIGINT", () => void finish(130));

interface Sampled {
  label: string;
  child: ChildProcess;
  stderr: string[];
  samples: { at: number; rssMb: number }[];
  beforeProbeMb?: number;
  afterFirstProbeMb?: number;
}

const mb = (kb: number) => Math.round(kb / 1024);

/** VmRSS and VmHWM (the peak) of a process, in kB, from /proc (Linux). */
function residentKb(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: field("VmRSS"), peak: field("VmHWM") };
  } catch {
    return null;
  }
}

function steward(label: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Sampled {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STEWARD_")));
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    env: { ...clean, STEWARD_LOG_LEVEL: "warn", STEWARD_LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  return { label, child, stderr, samples: [] };
}

function waitForOutput(target: Sampled, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => fail(`no ${pattern} within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${target.label}: ${why}\n${text}${target.stderr.join("")}`));
    };
    target.child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    target.child.once("exit", (code) => fail(`exited with ${code}`));
  });
}

function sample(processes: Sampled[], t0: number): void {
  for (const p of processes) {
    const kb = residentKb(p.child.pid!);
    if (kb) p.samples.push({ at: Date.now() - t0, rssMb: mb(kb.rss) });
  }
}

async function probe(url: string): Promise<void> {
  for (const route of ["/readyz", "/api/status"]) {
    const response = await fetch(`${url}${route}`);
    await response.arrayBuffer();
    if (response.status >= 500 && route !== "/readyz")
      throw new Error(`GET ${route} answered ${response.status}`);
  }
}

/** One dashboard's event stream, read and dropped until the phase ends. */
function openEventStream(url: string): AbortController {
  const abort = new AbortController();
  void fetch(`${url}/api/events`, { signal: abort.signal })
    .then(async (response) => {
      for await (const _chunk of response.body!) {
        // The dashboard renders these; the benchmark only keeps the stream flowing.
      }
    })
    .catch(() => {});
  return abort;
}

/** Samples every process for `seconds`: idle first, then the first probe, then probes throughout. */
async function observe(name: string, processes: Sampled[], url: string): Promise<void> {
  const t0 = Date.now();
  const sampler = setInterval(() => sample(processes, t0), sampleEveryMs);
  try {
    await new Promise((r) => setTimeout(r, idleBeforeProbeMs));
    sample(processes, t0);
    for (const p of processes) p.beforeProbeMb = p.samples.at(-1)?.rssMb;
    await probe(url);
    await new Promise((r) => setTimeout(r, 3_000));
    sample(processes, t0);
    for (const p of processes) p.afterFirstProbeMb = p.samples.at(-1)?.rssMb;
    const events = openEventStream(url);
    let nextReport = 30_000;
    while (Date.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, probeEveryMs));
      await probe(url);
      if (Date.now() - t0 >= nextReport) {
        nextReport += 30_000;
        const now = processes.map((p) => `${p.label} ${p.samples.at(-1)?.rssMb ?? "?"} MB`).join(", ");
        console.log(`  ${name} ${Math.round((Date.now() - t0) / 1000)} s: ${now}`);
      }
    }
    events.abort();
  } finally {
    clearInterval(sampler);
  }
  sample(processes, t0);
  for (const p of processes) {
    const peak = residentKb(p.child.pid!)?.peak;
    const rss = p.samples.map((s) => s.rssMb);
    const target = targets[name as keyof typeof targets];
    const final = rss.at(-1) ?? Number.NaN;
    const max = Math.max(...rss);
    rows.push(
      `| ${name} | ${p.label} | ${p.beforeProbeMb} | ${p.afterFirstProbeMb} | ${final} | ${max} | ${peak === undefined ? "?" : mb(peak)} | ≤ ${target}: ${max <= target ? "met" : "missed"} |`,
    );
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

async function embedded(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), "steward-bench-memory-"));
  cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
  console.log(`embedded: steward start on pglite:${folder}/db, demo on, ${seconds} s`);
  const api = steward(
    "steward start",
    ["start", "--port", "0", "--database", `pglite:${folder}/db`],
    {},
    folder,
  );
  const [, url] = await waitForOutput(api, /Dashboard\s+(http:\/\/\S+?)\/?\s/);
  await observe("embedded", [api], url!);
  await stop(api.child);
}

async function postgres(): Promise<void> {
  const name = `steward_bench_memory_${process.pid}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const { rows: version } = await admin.query<{ server_version: string }>("SHOW server_version");
  console.log(`PostgreSQL ${version[0]?.server_version} at ${url.host}`);
  await admin.query(`CREATE DATABASE ${name}`);
  cleanups.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  const folder = mkdtempSync(path.join(tmpdir(), "steward-bench-memory-"));
  cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(path.join(folder, "steward.config.json"), JSON.stringify({ demo: { enabled: true } }));
  const env = { STEWARD_DATABASE_URL: url.toString() };
  console.log(`postgres: steward start and steward worker on database ${name}, demo on, ${seconds} s`);
  const api = steward("steward start", ["start", "--port", "0"], env, folder);
  const [, address] = await waitForOutput(api, /Dashboard\s+(http:\/\/\S+?)\/?\s/);
  const worker = steward("steward worker", ["worker"], env, folder);
  await waitForOutput(worker, /Worker \S+ started/);
  await observe("postgres", [api, worker], address!);
  await Promise.all([stop(worker.child), stop(api.child)]);
}

async function finish(code: number): Promise<never> {
  await Promise.all(started.map(stop));
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(e));
  process.exit(code);
}

console.log(
  `# memory, ${new Date().toISOString()}, ${availableParallelism()} cores, Node ${process.versions.node}`,
);
try {
  if (phases.includes("embedded")) await embedded();
  if (phases.includes("postgres")) await postgres();
} catch (error) {
  console.error(error);
  await finish(1);
}
console.log(
  [
    "",
    "| phase | process | before first probe MB | after first probe MB | at the end MB | max sampled MB | peak (VmHWM) MB | target |",
    "|---|---|--:|--:|--:|--:|--:|---|",
    ...rows,
  ].join("\n"),
);
await finish(0);
