import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { StewardError } from "../errors.ts";

/**
 * PGlite's data folder must be opened by one process at a time: two would corrupt it.
 * `<folder>.lock` holds the owner's pid. A lock whose process is gone (killed, crashed) is
 * stale and taken over; a live owner is named in the error.
 */
export class DataFolderLock {
  readonly #path: string;
  #held = false;

  private constructor(path: string) {
    this.#path = path;
  }

  static acquire(dataDir: string): DataFolderLock {
    const lock = new DataFolderLock(`${dataDir}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lock.#path, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        lock.#held = true;
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = Number.parseInt(readFileSync(lock.#path, "utf8"), 10);
        if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
          throw new StewardError(
            "database_unreachable",
            `The embedded database ${dataDir} is in use by process ${owner}. Stop that process first (or run several processes against PostgreSQL); if no such process runs, delete ${lock.#path}.`,
            { details: { dataDir, owner } },
          );
        }
        unlinkSync(lock.#path); // stale: its owner is gone
      }
    }
    throw new StewardError("database_unreachable", `Could not lock the embedded database ${dataDir}.`);
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
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
