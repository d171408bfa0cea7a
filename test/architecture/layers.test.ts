import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * Which folder of src/ may import which: a folder imports only from the layers below its own
 * (docs/architecture.md, "Layers"). Reading the imports keeps the picture true: an import that
 * runs back up a layer fails here, naming the file and the line.
 */
const layers: string[][] = [
  ["(root)"], // errors.ts, version.ts, clock.ts
  ["db"],
  ["migrate", "scheduler"],
  ["tasks"],
  ["models"],
  ["workers", "backfill", "doctor", "telemetry", "money"],
  ["fsar"],
  ["config", "demo"],
  ["app"],
  ["http"],
  ["cli"],
];

const root = fileURLToPath(new URL("../../", import.meta.url));
const src = path.join(root, "src");
const layerOf = new Map(layers.flatMap((folders, level) => folders.map((f) => [f, level] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(entry) ? [full] : [];
  });
}

/** `src/tasks/x.ts` → "tasks"; `src/errors.ts` → "(root)". */
function folderOf(file: string): string {
  const parts = path.relative(src, file).split(path.sep);
  return parts.length > 1 ? parts[0]! : "(root)";
}

function imports(file: string): { line: number; target: string; typeOnly: boolean }[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((text, i) => {
      const match = /^\s*(?:import|export)\s+(type\s+)?[^"']*from\s+["'](\.[^"']+)["']/.exec(text);
      return match
        ? [{ line: i + 1, target: path.resolve(path.dirname(file), match[2]!), typeOnly: !!match[1] }]
        : [];
    });
}

test("every folder of src/ is in a layer", () => {
  const folders = new Set(sourceFiles(src).map(folderOf));
  for (const folder of folders) assert.ok(layerOf.has(folder), `src/${folder}/ is in no layer of this test`);
});

test("no import runs back up a layer, or across one", () => {
  const wrong: string[] = [];
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    for (const { line, target } of imports(file)) {
      if (!target.startsWith(src)) continue;
      const to = folderOf(target);
      if (to !== from && layerOf.get(to)! >= layerOf.get(from)!)
        wrong.push(
          `${path.relative(root, file)}:${line} (${from}) imports ${path.relative(root, target)} (${to})`,
        );
    }
  }
  assert.deepEqual(wrong, [], `imports against the layers:\n${wrong.join("\n")}`);
});

test("the dashboard takes only types from the engine", () => {
  const wrong = sourceFiles(path.join(root, "web", "src")).flatMap((file) =>
    imports(file)
      .filter(({ target, typeOnly }) => target.startsWith(src) && !typeOnly)
      .map(
        ({ line, target }) => `${path.relative(root, file)}:${line} imports ${path.relative(root, target)}`,
      ),
  );
  assert.deepEqual(
    wrong,
    [],
    `the dashboard is built apart from the server: import type only\n${wrong.join("\n")}`,
  );
});
