import path from "node:path";
import { StewardError } from "../errors.ts";

export type DatabaseTarget = { kind: "pglite"; dataDir: string | null } | { kind: "postgres"; url: string };

/**
 * Parses a database URL: `postgres://…` (or `postgresql://…`), `pglite:<folder>` for the
 * embedded database on disk (relative folders resolve against `cwd`), or `pglite:memory`.
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget {
  if (url === "pglite:memory" || url === "memory://") return { kind: "pglite", dataDir: null };
  if (url.startsWith("pglite:")) {
    const folder = url.slice("pglite:".length).replace(/^\/\/(?=\/)/, "");
    if (folder === "")
      throw invalid(url, "pglite: needs a folder, as in pglite:./.steward/db, or pglite:memory");
    return { kind: "pglite", dataDir: path.resolve(cwd, folder) };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    try {
      new URL(url);
    } catch {
      throw invalid(url, "it is not a well-formed URL");
    }
    return { kind: "postgres", url };
  }
  throw invalid(url, "the scheme is not supported");
}

/** The URL with any password replaced, safe for logs, errors and API responses. */
export function redactDatabaseUrl(url: string): string {
  if (!url.includes("://")) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|key|token/i.test(key)) parsed.searchParams.set(key, "****");
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:****@");
  }
}

function invalid(url: string, why: string): StewardError {
  return new StewardError(
    "database_url_invalid",
    `Database URL "${redactDatabaseUrl(url)}" is not usable: ${why}. Allowed: postgres://user@host:5432/db, pglite:<folder> (embedded, on disk) or pglite:memory.`,
    { details: { url: redactDatabaseUrl(url) } },
  );
}
