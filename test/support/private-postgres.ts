import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A PostgreSQL server of the test's own, for tests that must stop or restart the server
 * without disturbing other tests on the shared one. Needs the server binaries of a Debian
 * postgresql package and (as root) the `postgres` user: PostgreSQL refuses to run as root.
 */
export interface PrivatePostgres {
  url: string;
  restart(): void;
  stop(): void;
  remove(): void;
}

export function privatePostgresAvailable(): string | false {
  const bin = findBinaries();
  if (bin === null) return "no PostgreSQL server binaries under /usr/lib/postgresql";
  return false;
}

export function startPrivatePostgres(): PrivatePostgres {
  const bin = findBinaries();
  if (bin === null) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  const root = mkdtempSync(path.join(tmpdir(), "steward-pg-"));
  chmodSync(root, 0o777);
  const data = path.join(root, "data");
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const asPostgres = (command: string, args: string[]) => {
    const isRoot = process.getuid?.() === 0;
    execFileSync(
      isRoot ? "runuser" : path.join(bin, command),
      isRoot ? ["-u", "postgres", "--", path.join(bin, command), ...args] : args,
      {
        stdio: "ignore",
      },
    );
  };
  asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const ctl = (action: string, extra: string[] = []) =>
    asPostgres("pg_ctl", [
      "-D",
      data,
      "-w",
      "-o",
      `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-l",
      path.join(root, "log"),
      action,
      ...extra,
    ]);
  ctl("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl("restart", ["-m", "fast"]),
    stop: () => {
      if (existsSync(path.join(data, "postmaster.pid"))) ctl("stop", ["-m", "immediate"]);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function findBinaries(): string | null {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(base, version, "bin");
    if (existsSync(path.join(bin, "initdb"))) return bin;
  }
  return null;
}
