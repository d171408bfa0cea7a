import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";

/**
 * A new folder in the system temp folder, removed when the test file ends (with everything a
 * CLI process or an embedded database wrote into it), whether its tests passed or not.
 */
export function tempFolder(name: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), `steward-${name}-`));
  made.push(folder);
  return folder;
}

const made: string[] = [];

// Registered when this module loads, so on the root test: it runs once, after the whole file.
after(() => {
  for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
});
