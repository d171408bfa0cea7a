#!/usr/bin/env node
// Runs every test file with node's test runner. Node 20 finds no .ts files by itself (and would
// exit 0 having run nothing), so the files are listed here. Extra arguments are passed through:
//   node scripts/run-tests.mjs test/migrate          (only files under a folder)
//   node scripts/run-tests.mjs --test-name-pattern=doctor
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const roots = args.filter((a) => !a.startsWith("--"));
const flags = args.filter((a) => a.startsWith("--"));

function collect(target) {
  if (statSync(target).isFile()) return target.endsWith(".test.ts") ? [target] : [];
  return readdirSync(target)
    .sort()
    .flatMap((entry) => collect(path.join(target, entry)));
}

const files = (roots.length ? roots : ["test"]).flatMap(collect);
if (files.length === 0) {
  console.error("No test files found.");
  process.exit(1);
}
const backend = process.env.STEWARD_TEST_DATABASE_URL ? "PostgreSQL" : "PGlite";
console.log(`# ${files.length} test files on ${backend}`);
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...flags, ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
