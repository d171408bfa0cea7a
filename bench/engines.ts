/**
 * Two versions of Steward's engine, drain against drain, in alternating rounds: a git revision
 * (by default HEAD) and the working tree (or a second revision), each drain in a fresh process on
 * a fresh database, with the queue benchmark's drain (no-op tasks, attempts recorded). Reports, per
 * backend, the median of the per-round ratios (new ÷ base) with their min–max. docs/benchmarks.md.
 *
 *   npx tsx bench/engines.ts --base HEAD~1 --rounds 8
 *   npx tsx bench/engines.ts --base 1a2b3c4 --compare 5d6e7f8
 *   npx tsx bench/engines.ts --help
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { progress, waitForQuiet } from "./queue/harness.ts";
import { spread } from "./queue/rounds.ts";
import { median } from "./queue/stats.ts";

const usage = `Usage: npx tsx bench/engines.ts [options]
  --base REV          the git revision to compare with (default HEAD)
  --compare REV       the revision to compare it with (default: the working tree)
  --rounds N          rounds, each one drain of each version per backend (default 6)
  --backend LIST      pglite, postgres or both, comma-separated (default both)
  --tasks N           tasks per drain (default 20000)
  --concurrency N     WorkerPool concurrency (default 1000)
  --claim-batch N     WorkerPool claimBatch (default: the concurrency)
  --pools N           WorkerPools in the process (default 1)
  --database URL      PostgreSQL server (default $STEWARD_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --quiet-wait S      before each drain, wait up to S seconds for other work to drop below 25 % CPU (default 20)
  --tries N           repeat a drain during which other work took more than 15 % of the machine, up to N attempts, keeping the quietest (default 3)`;

const { values } = parseArgs({
  options: {
    base: { type: "string", default: "HEAD" },
    compare: { type: "string" },
    rounds: { type: "string", default: "6" },
    backend: { type: "string", default: "pglite,postgres" },
    tasks: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "1000" },
    "claim-batch": { type: "string" },
    pools: { type: "string", default: "1" },
    database: { type: "string" },
    "quiet-wait": { type: "string", default: "20" },
    tries: { type: "string", default: "3" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const positive = (flag: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not "${value}"`);
  return n;
};
const rounds = positive("--rounds", values.rounds);
const tries = positive("--tries", values.tries);
const quietWaitMs = Number(values["quiet-wait"]) * 1000;
const backends = values.backend.split(",").map((b) => {
  if (b !== "pglite" && b !== "postgres")
    throw new Error(`--backend: unknown "${b}"; known: pglite, postgres`);
  return b;
});
const workTree = path.resolve(new URL("..", import.meta.url).pathname);

interface Drain {
  tasksPerS: number;
  nodeCpuUs: number;
  serverCpuUs: number | null;
  walBytes: number | null;
  otherShare: number;
  tasksPerClaim: number;
}

/** The base revision's engine, extracted beside the system's temporary files, with our node_modules. */
function extract(rev: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-engine-"));
  const archive = spawnSync("git", ["archive", rev, "src", "bench", "migrations", "package.json"], {
    cwd: workTree,
    maxBuffer: 1 << 30,
  });
  if (archive.status !== 0) throw new Error(`git archive ${rev} failed: ${archive.stderr.toString()}`);
  const tar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  if (tar.status !== 0) throw new Error(`could not unpack ${rev}: ${tar.stderr.toString()}`);
  symlinkSync(path.join(workTree, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function drainOnce(root: string, backend: string): Drain {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STEWARD_ENGINE_ROOT: root,
    STEWARD_BENCH_BACKEND: backend,
    STEWARD_BENCH_TASKS: values.tasks,
    STEWARD_BENCH_CONCURRENCY: values.concurrency,
    STEWARD_BENCH_CLAIM_BATCH: values["claim-batch"] ?? values.concurrency,
    STEWARD_BENCH_POOLS: values.pools,
  };
  if (values.database) env.STEWARD_BENCH_DATABASE_URL = values.database;
  const child = spawnSync(
    path.join(workTree, "node_modules/.bin/tsx"),
    ["--expose-gc", path.join(workTree, "bench/queue/engine-drain.ts")],
    { env, encoding: "utf8", timeout: 300_000 },
  );
  if (child.status !== 0) throw new Error(`drain failed (${root}, ${backend}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as Drain;
}

async function quietDrain(root: string, backend: string): Promise<Drain> {
  let quietest: Drain | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    if (quietWaitMs > 0) await waitForQuiet(0.25, quietWaitMs);
    const drain = drainOnce(root, backend);
    if (quietest === undefined || drain.otherShare < quietest.otherShare) quietest = drain;
    if (drain.otherShare <= 0.15) break;
  }
  return quietest!;
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const baseRoot = extract(values.base);
const compareRoot = values.compare === undefined ? workTree : extract(values.compare);
const cleanUp = () => {
  rmSync(baseRoot, { recursive: true, force: true });
  if (compareRoot !== workTree) rmSync(compareRoot, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    cleanUp();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });

try {
  const short = (rev: string) =>
    spawnSync("git", ["rev-parse", "--short", rev], { cwd: workTree, encoding: "utf8" }).stdout.trim();
  const newName =
    values.compare === undefined ? "working tree" : `${values.compare} (${short(values.compare)})`;
  progress(`base ${values.base} (${short(values.base)}) against ${newName}; load average ${load()}`);
  const versions = [
    { name: `${values.base} (${short(values.base)})`, root: baseRoot },
    { name: newName, root: compareRoot },
  ];
  const drains = new Map<string, Drain[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const backend of backends) {
      for (const v of versions) {
        const drain = await quietDrain(v.root, backend);
        progress(
          `round ${round} of ${rounds}: ${v.name} on ${backend}: ${Math.round(drain.tasksPerS)} tasks/s, CPU Node ${drain.nodeCpuUs.toFixed(1)}${drain.serverCpuUs === null ? "" : ` + PostgreSQL ${drain.serverCpuUs.toFixed(1)}`} µs a task, other work ${(100 * drain.otherShare).toFixed(0)} %`,
        );
        const key = `${v.name}|${backend}`;
        drains.set(key, [...(drains.get(key) ?? []), drain]);
      }
    }
    progress(`round ${round} of ${rounds} done; load average ${load()}`);
  }
  const lines = [
    "| backend | version | tasks/s (median) | CPU µs/task Node + PG | WAL B/task | tasks per claim | other work, max |",
    "|---|---|--:|--:|--:|--:|--:|",
  ];
  const f = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? "—" : n.toFixed(digits));
  const ratios: string[] = [];
  for (const backend of backends) {
    for (const v of versions) {
      const list = drains.get(`${v.name}|${backend}`)!;
      const med = (pick: (d: Drain) => number | null) => {
        const xs = list.map(pick).filter((x): x is number => x !== null);
        return xs.length === 0 ? null : median(xs);
      };
      lines.push(
        `| ${backend} | ${v.name} | ${Math.round(med((d) => d.tasksPerS)!).toLocaleString("en-US")} | ${f(med((d) => d.nodeCpuUs))}${backend === "postgres" ? ` + ${f(med((d) => d.serverCpuUs))}` : ""} | ${f(
          med((d) => d.walBytes),
          0,
        )} | ${f(
          med((d) => d.tasksPerClaim),
          0,
        )} | ${(100 * Math.max(...list.map((d) => d.otherShare))).toFixed(0)} % |`,
      );
    }
    const base = drains.get(`${versions[0]!.name}|${backend}`)!;
    const mine = drains.get(`${versions[1]!.name}|${backend}`)!;
    const r = spread(mine.map((d, i) => d.tasksPerS / base[i]!.tasksPerS));
    ratios.push(
      `${backend}: ${newName} ÷ ${versions[0]!.name}, tasks/s: ×${r.median.toFixed(2)} (min–max ×${r.min.toFixed(2)}–×${r.max.toFixed(2)}; per round ${r.perRound.map((x) => x.toFixed(2)).join(", ")})`,
    );
  }
  process.stdout.write(`${[...lines, "", ...ratios].join("\n")}\n`);
  progress(`load average at end: ${load()}`);
} finally {
  cleanUp();
}
