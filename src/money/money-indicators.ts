import type { Queryable } from "../db/database.ts";
import type { LedgerMode } from "./ledger.ts";

/**
 * The money's leading indicators, for the telemetry's change detection (src/app/
 * indicator-readers.ts hands them to it): per bucket of a grain (minute, hour, day), by when
 * Stripe created the objects,
 * - payment_failure_rate: failed ÷ (succeeded + failed) charges; worse when it rises;
 * - checkout_conversion: completed ÷ (completed + expired) checkout sessions, the decided ones
 *   only (a session still open would pull the newest buckets down before it had its chance);
 *   worse when it falls.
 * A bucket with nothing to measure has no point.
 */
export interface MoneyIndicatorSeries {
  indicator: "payment_failure_rate" | "checkout_conversion";
  scope: Record<string, never>;
  points: { at: string; value: number }[];
}

export async function moneyIndicatorSeries(
  db: Queryable,
  options: { grain: "minute" | "hour" | "day"; from: Date; to: Date; mode: LedgerMode },
): Promise<MoneyIndicatorSeries[]> {
  const { rows } = await db.query<{
    at: Date;
    failed: number;
    paid: number;
    completed: number;
    expired: number;
  }>(
    `SELECT date_trunc($1, to_timestamp((data ->> 'created')::float8)) AS at,
            count(*) FILTER (WHERE object = 'charge' AND data ->> 'status' = 'failed')::float8 AS failed,
            count(*) FILTER (WHERE object = 'charge' AND data ->> 'status' = 'succeeded')::float8 AS paid,
            count(*) FILTER (WHERE object = 'checkout.session' AND data ->> 'status' = 'complete')::float8 AS completed,
            count(*) FILTER (WHERE object = 'checkout.session' AND data ->> 'status' = 'expired')::float8 AS expired
     FROM stripe_objects
     WHERE object IN ('charge', 'checkout.session')
       AND to_timestamp((data ->> 'created')::float8) >= $2 AND to_timestamp((data ->> 'created')::float8) < $3
       AND ($4::text = 'all' OR livemode = ($4::text = 'live'))
     GROUP BY 1 ORDER BY 1`,
    [options.grain, options.from, options.to, options.mode],
  );
  const failures: MoneyIndicatorSeries = { indicator: "payment_failure_rate", scope: {}, points: [] };
  const conversion: MoneyIndicatorSeries = { indicator: "checkout_conversion", scope: {}, points: [] };
  for (const r of rows) {
    const at = new Date(r.at).toISOString();
    if (r.failed + r.paid > 0) failures.points.push({ at, value: r.failed / (r.failed + r.paid) });
    if (r.completed + r.expired > 0)
      conversion.points.push({ at, value: r.completed / (r.completed + r.expired) });
  }
  return [failures, conversion].filter((s) => s.points.length > 0);
}
