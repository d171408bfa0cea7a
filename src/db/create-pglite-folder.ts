import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { StewardError } from "../errors.ts";

const pgliteEntry = createRequire(import.meta.url).resolve("@electric-sql/pglite");

/**
 * Makes a new embedded database in `dataDir` in a short-lived child process. PGlite's initdb
 * grows the WebAssembly memory to ≈660 MB, and a process keeps that memory for as long as it
 * lives, while a database opened from an existing folder needs ≈210 MB: done here, `npm start`'s
 * first run holds ≈300 MB less (measured in docs/benchmarks.md), for about a second more.
 */
export async function createPgliteFolder(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, "PG_VERSION"))) return;
  const script = "require(process.argv[1]).PGlite.create(process.argv[2]).then((db) => db.close())";
  try {
    await promisify(execFile)(process.execPath, ["-e", script, pgliteEntry, dataDir], { timeout: 120_000 });
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr?.trim();
    throw new StewardError(
      "database_unreachable",
      `Creating the embedded database in ${dataDir} failed${stderr ? `: ${stderr.split("\n").at(-1)}` : ""}`,
      { cause, details: { dataDir } },
    );
  }
}
