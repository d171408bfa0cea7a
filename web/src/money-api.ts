/**
 * The dashboard's view of the money API: GET /api/money/series (the ledger by day) and
 * GET /api/money/roi (ROI by idea or stream, and the period's revenue metrics). The engine's own
 * shapes (src/money/), imported as types only, so nothing of the server reaches the bundle. No
 * DOM types here, so that the server's tsconfig can check it too.
 */

import type { LedgerMode } from "../../src/money/ledger.ts";
import type { RoiReport } from "../../src/money/money-queries.ts";
import type { MoneyDay, MoneySeries } from "../../src/money/money-series.ts";
import type { MrrMovements } from "../../src/money/mrr.ts";
import type { RevenueMetrics } from "../../src/money/revenue-metrics.ts";
import type { RoiRow } from "../../src/money/roi.ts";
import { apiCall } from "./http-client.ts";

export type { LedgerMode, MoneyDay, MoneySeries, MrrMovements, RevenueMetrics, RoiReport, RoiRow };

/** How far back the chart looks, and the tables: the server's own defaults, said here to show them. */
export const seriesWindow = "90d";
export const roiWindow = "30d";

// No `mode`: the server answers in its default (live money, unless stripe.testEvents is
// `counted`), and the page shows which mode that was.

export function fetchMoneySeries(signal?: AbortSignal): Promise<MoneySeries> {
  return apiCall<MoneySeries>("GET", `/api/money/series?since=${seriesWindow}`, signal);
}

export function fetchRoiByIdea(signal?: AbortSignal): Promise<RoiReport> {
  return apiCall<RoiReport>("GET", `/api/money/roi?by=idea&since=${roiWindow}`, signal);
}

export function fetchRoiByStream(signal?: AbortSignal): Promise<RoiReport> {
  return apiCall<RoiReport>("GET", `/api/money/roi?by=stream&since=${roiWindow}`, signal);
}
