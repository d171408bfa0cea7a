import { defaultLedgerMode } from "../money/ledger.ts";
import { moneyIndicatorSeries } from "../money/money-indicators.ts";
import type { IndicatorReader } from "../telemetry/indicator-series.ts";
import type { Deps } from "./deps.ts";

/**
 * The indicators change detection watches beside the task rollups': the money's (payment
 * failures, checkout conversion), in the mode money is read in. Assembled here, above both
 * telemetry/ and money/, so that neither imports the other.
 */
export function indicatorReaders(deps: Pick<Deps, "config">): IndicatorReader[] {
  const mode = defaultLedgerMode(deps.config.stripe);
  return [(db, options) => moneyIndicatorSeries(db, { ...options, mode })];
}
