import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { StewardError } from "../errors.ts";

/**
 * PGlite's data folder must be opened by one process at a time: two would corrupt it.
 * `<folder>.lock` holds the owner's pid (as JSON: `{ "pid": 123 }`). A lock whose process is gone
 * (killed, crashed) is stale and taken over; a live owner is named in the error.
 *
 * A `steward start` that holds the folder also records where its API listens and a token for
 * it (`server`), so that CLI commands run beside it go through that process instead of failing
 * (src/cli/connect.ts). The file is readable by its owner only (mode 0600): the token lets the
 * CLI use the API's administrative routes (migrations, repairs, backfills).
 */
export interface LockHolder {
  pid: number;
  /** The command that holds it, e.g. "start" or "task ls" (older locks say nothing). */
  command?: string;
  server?: { url: string; token: string };
}

export class DataFolderLock {
  readonly #path: string;
  readonly #holder: LockHolder;
  #held = false;

  private constructor(path: string, holder: LockHolder) {
    this.#path = path;
    this.#holder = holder;
  }

  static acquire(dataDir: string, command?: string): DataFolderLock {
    const lock = new DataFolderLock(lockPath(dataDir), { pid: process.pid, command });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lock.#path, "wx", 0o600);
        writeSync(fd, JSON.stringify(lock.#holder));
        closeSync(fd);
        lock.#held = true;
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = readDataFolderLock(dataDir);
        if (owner !== null && owner.pid !== process.pid) {
          if (owner.command === "start")
            throw new StewardError(
              "database_unreachable",
              `The embedded database ${dataDir} is in use by steward start (process ${owner.pid}). CLI commands such as \`steward task ls\` run through it; another worker or server needs a database of its own, or PostgreSQL, which any number of processes can share.`,
              { details: { dataDir, owner: owner.pid, command: owner.command } },
            );
          throw new StewardError(
            "database_unreachable",
            `The embedded database ${dataDir} is in use by process ${owner.pid}${owner.command ? ` (steward ${owner.command})` : ""}. Stop that process first (or run several processes against PostgreSQL); if no such process runs, delete ${lock.#path}.`,
            { details: { dataDir, owner: owner.pid, command: owner.command } },
          );
        }
        try {
          unlinkSync(lock.#path); // stale: its owner is gone
        } catch {
          // Another process took it over first; the next attempt says who.
        }
      }
    }
    throw new StewardError("database_unreachable", `Could not lock the embedded database ${dataDir}.`);
  }

  /** Records where this process's API listens, for CLI commands run beside it. */
  advertise(server: { url: string; token: string }): void {
    if (!this.#held) return;
    this.#rewrite({ ...this.#holder, server });
  }

  /** Takes the API's address back out (it stops listening before the database closes). */
  withdraw(): void {
    if (!this.#held) return;
    this.#rewrite(this.#holder);
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    try {
      unlinkSync(this.#path);
    } catch {
      // Already gone: nothing to release.
    }
  }

  /** Replaced whole by a rename, so that a reader never sees half a file. */
  #rewrite(holder: LockHolder): void {
    const next = `${this.#path}.${process.pid}.tmp`;
    const fd = openSync(next, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(holder));
    } finally {
      closeSync(fd);
    }
    renameSync(next, this.#path);
  }
}

export function lockPath(dataDir: string): string {
  return `${dataDir}.lock`;
}

/** The live process holding a data folder, or null when none does (no lock, or a stale one). */
export function readDataFolderLock(dataDir: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), "utf8");
  } catch {
    return null;
  }
  const holder = parseHolder(text);
  if (holder === null || !isAlive(holder.pid)) return null;
  return holder;
}

function parseHolder(text: string): LockHolder | null {
  // Older Steward versions wrote the bare pid.
  if (/^\s*\d+\s*$/.test(text)) return { pid: Number.parseInt(text, 10) };
  try {
    const value = JSON.parse(text) as LockHolder;
    if (!Number.isInteger(value.pid)) return null;
    const server =
      typeof value.server?.url === "string" && typeof value.server?.token === "string"
        ? { url: value.server.url, token: value.server.token }
        : undefined;
    return {
      pid: value.pid,
      command: typeof value.command === "string" ? value.command : undefined,
      server,
    };
  } catch {
    // Being written by an older version, or damaged: treat as held by nobody known.
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
