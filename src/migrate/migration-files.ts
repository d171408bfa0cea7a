import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StewardError } from "../errors.ts";

/** The migrations that ship with Steward (same depth from src/ and dist/). */
export const defaultMigrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url));

export interface Migration {
  version: number;
  /** e.g. `0001_core_schema` */
  name: string;
  up: string;
  down: string;
  /** SHA-256 of the up script (line endings normalised), recorded when it is applied. */
  checksum: string;
}

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

/**
 * Reads `NNNN_name.up.sql` / `NNNN_name.down.sql` pairs. Numbering starts at 1 and has no gaps;
 * every up has its down. Anything else is refused with the file named.
 */
export function loadMigrations(dir: string = defaultMigrationsDir): Migration[] {
  const byVersion = new Map<number, { name: string; up?: string; down?: string }>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".sql")) continue;
    const match = fileNamePattern.exec(file);
    if (!match) {
      throw invalid(
        `Migration file ${file} is not named NNNN_name.up.sql or NNNN_name.down.sql (lowercase name, digits and _).`,
        file,
      );
    }
    const version = Number(match[1]);
    const name = `${match[1]}_${match[2]}`;
    const entry = byVersion.get(version) ?? { name };
    if (entry.name !== name) {
      throw invalid(
        `Migrations ${entry.name} and ${name} share version ${version}; each version has one name.`,
        file,
      );
    }
    const text = readFileSync(path.join(dir, file), "utf8").replace(/\r\n/g, "\n");
    if (match[3] === "up") entry.up = text;
    else entry.down = text;
    byVersion.set(version, entry);
  }

  const migrations: Migration[] = [];
  const versions = [...byVersion.keys()].sort((a, b) => a - b);
  versions.forEach((version, index) => {
    const entry = byVersion.get(version)!;
    if (version !== index + 1) {
      throw invalid(
        `Migration ${entry.name} should be numbered ${String(index + 1).padStart(4, "0")}: versions start at 1 and have no gaps.`,
        entry.name,
      );
    }
    if (entry.up === undefined)
      throw invalid(`Migration ${entry.name} has a down script but no ${entry.name}.up.sql.`, entry.name);
    if (entry.down === undefined || entry.down.trim() === "") {
      throw invalid(
        `Migration ${entry.name} has no ${entry.name}.down.sql: every migration needs a down that undoes it.`,
        entry.name,
      );
    }
    migrations.push({
      version,
      name: entry.name,
      up: entry.up,
      down: entry.down,
      checksum: checksumOf(entry.up),
    });
  });
  return migrations;
}

export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

function invalid(message: string, file: string): StewardError {
  return new StewardError("migration_invalid", message, { details: { file } });
}
