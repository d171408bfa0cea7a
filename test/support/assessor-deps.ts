import type { Deps } from "../../src/app/deps.ts";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import type { FsarDeps } from "../../src/fsar/write-report.ts";

/** What the assessors read, from a test's Deps (as the app assembles it). */
export function assessorDepsOf(deps: Deps): FsarDeps {
  return fsarDepsOf(deps);
}
