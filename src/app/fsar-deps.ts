import type { FsarDeps } from "../fsar/write-report.ts";
import { defaultLedgerMode } from "../money/ledger.ts";
import type { Deps } from "./deps.ts";

/** What the FSAR assessors and the report read, from the whole Deps. */
export function fsarDepsOf(
  deps: Pick<
    Deps,
    "db" | "clock" | "migrations" | "expectedSchema" | "models" | "kinds" | "config" | "logger"
  >,
): FsarDeps & { logger: Deps["logger"] } {
  return {
    db: deps.db,
    clock: deps.clock,
    migrations: deps.migrations,
    expectedSchema: deps.expectedSchema,
    models: deps.models,
    kinds: deps.kinds,
    targets: deps.config.telemetry.targets,
    money: deps.config.money,
    ledgerMode: defaultLedgerMode(deps.config.stripe),
    fsar: deps.config.fsar,
    logger: deps.logger,
  };
}
