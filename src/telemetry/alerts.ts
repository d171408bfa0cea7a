import { z } from "zod";
import type { Clock } from "../clock.ts";
import type { Queryable } from "../db/database.ts";
import { detectorNames, runDetector } from "./detect/index.ts";
import {
  type IndicatorName,
  type IndicatorReader,
  type IndicatorSeries,
  indicatorNames,
  indicatorScopes,
  readIndicatorSeries,
  type Scope,
} from "./indicator-series.ts";

/**
 * Alerts on trend change (docs/indicators.md, "Alerts"). Two watches over the leading
 * indicators of the rollups:
 * - abrupt shifts: the `detector` (CUSUM by default) over each indicator's minute series of the
 *   last `lookback`;
 * - slow degradation: the Mann–Kendall trend test over each indicator's daily series of the last
 *   `trendDays` days, flagging a steady worsening of at least `minWeeklyChange` a week.
 * A change opens an alert only when the indicator moved in its worse direction by at least
 * `minChange` (relative) between the points before the change and those after it. One alert is
 * open per indicator and scope; it resolves itself once the indicator's last `recoverPoints` are
 * back within half the way to where they were before.
 */
export const alertSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    detector: z
      .string()
      .refine((name) => detectorNames.includes(name), {
        message: `must be one of: ${detectorNames.join(", ")}`,
      })
      .default("cusum"),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).default({}),
    lookbackMinutes: z.number().int().min(10).max(10_080).default(360),
    minPoints: z.number().int().min(4).max(10_000).default(20),
    minChange: z.number().min(0).max(100).default(0.25),
    recoverPoints: z.number().int().min(1).max(1_000).default(5),
    trendDays: z.number().int().min(7).max(3_650).default(28),
    minWeeklyChange: z.number().min(0).max(10).default(0.03),
    evaluateEveryMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
    webhook: z
      .object({
        url: z.url({ protocol: /^https?$/ }),
        /** Signs each delivery: header Steward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">. */
        secret: z.string().min(16).optional(),
        maxAttempts: z.number().int().min(1).max(50).default(8),
        timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AlertSettings = z.output<typeof alertSettingsSchema>;

export interface Alert {
  id: number;
  indicator: IndicatorName;
  scope: Scope;
  detector: string;
  status: "open" | "resolved";
  changedAt: string;
  beforeValue: number;
  afterValue: number;
  latestValue: number;
  message: string;
  openedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  /** Times it resolved and the same change (same point of change) was found again. */
  reopened: number;
  delivery: { status: "none" | "pending" | "delivered" | "failed"; attempts: number; error: string | null };
}

interface Change {
  indicator: IndicatorName;
  scope: Scope;
  detector: string;
  changedAt: string;
  before: number;
  after: number;
  latest: number;
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const scopeKey = (scope: Scope) =>
  JSON.stringify(Object.fromEntries(Object.entries(scope).sort(([a], [b]) => a.localeCompare(b))));
const describeScope = (scope: Scope) =>
  Object.entries(scope)
    .map(([dimension, value]) => `${dimension} ${value}`)
    .join(", ");

/** The detector that tests for a trend rather than a step (detect/mann-kendall.ts). */
const trendDetector = "mann-kendall";

/** The latest worsening change in a series, if the detector finds one; null otherwise. */
export function latestWorsening(
  series: IndicatorSeries,
  detector: string,
  params: Record<string, unknown>,
  minChange: number,
  recoverPoints = 5,
): Change | null {
  const values = series.points.map((p) => p.value);
  const { onsets } = runDetector(detector, values, params);
  const up = indicatorScopes[series.indicator].worse === "up";
  const change = (onset: number, before: number, after: number): Change => ({
    indicator: series.indicator,
    scope: series.scope,
    detector,
    changedAt: series.points[onset]!.at,
    before,
    after,
    latest: values[values.length - 1]!,
  });
  for (let c = onsets.length - 1; c >= 0; c--) {
    const onset = onsets[c]!;
    // A trend test has no step: its onset is where its window begins, and the change runs
    // across the window. Its level before is the window's first third, after its last third.
    if (onset < 2 && detector === trendDetector && values.length - onset >= 6) {
      const third = Math.floor((values.length - onset) / 3);
      const before = mean(values.slice(onset, onset + third));
      const after = mean(values.slice(-third));
      const worse = up ? after - before : before - after;
      return worse > 0 && worse >= minChange * Math.max(Math.abs(before), 1e-9)
        ? change(onset, before, after)
        : null;
    }
    if (onset < 2 || values.length - onset < 2) continue;
    const before = mean(values.slice(Math.max(0, onset - 30), onset));
    // The level after the change leaves out the last points, which say whether it lasts: a
    // detector that restarted after its alarm may not have seen a recovery yet.
    const settled =
      values.length - onset > 2 * recoverPoints ? values.slice(onset, -recoverPoints) : values.slice(onset);
    const after = mean(settled);
    const recent = mean(values.slice(-recoverPoints));
    const worse = up ? after - before : before - after;
    const stillWorse = up ? recent > before + (after - before) / 2 : recent < before - (before - after) / 2;
    if (worse > 0 && worse >= minChange * Math.max(Math.abs(before), 1e-9) && stillWorse)
      return change(onset, before, after);
    return null;
  }
  return null;
}

/**
 * One evaluation: opens or refreshes alerts for the changes found, and resolves open alerts whose
 * indicator recovered. Returns what it did.
 */
export async function evaluateAlerts(
  db: Queryable,
  settings: AlertSettings,
  clock: Clock,
  readers: readonly IndicatorReader[] = [],
): Promise<{ opened: number; updated: number; resolved: number; reopened: number }> {
  const now = clock.now();
  const to = new Date(now.getTime() + 60_000);
  const [minutes, days] = await Promise.all([
    readIndicatorSeries(db, {
      grain: "minute",
      from: new Date(now.getTime() - settings.lookbackMinutes * 60_000),
      to,
      readers,
    }),
    readIndicatorSeries(db, {
      grain: "day",
      from: new Date(now.getTime() - settings.trendDays * 86_400_000),
      to,
      readers,
    }),
  ]);
  const changes: Change[] = [];
  for (const series of minutes)
    if (series.points.length >= settings.minPoints) {
      const change = latestWorsening(
        series,
        settings.detector,
        settings.params,
        settings.minChange,
        settings.recoverPoints,
      );
      if (change) changes.push(change);
    }
  const trendParams = {
    window: settings.trendDays,
    worsening: "up",
    minWeeklyChange: settings.minWeeklyChange,
  };
  for (const series of days)
    if (series.points.length >= Math.min(settings.trendDays, 14)) {
      const change = latestWorsening(
        series,
        "mann-kendall",
        {
          ...trendParams,
          worsening: indicatorScopes[series.indicator].worse,
          window: Math.min(settings.trendDays, series.points.length),
        },
        0,
      );
      if (
        change &&
        !changes.some((c) => c.indicator === change.indicator && scopeKey(c.scope) === scopeKey(change.scope))
      )
        changes.push(change);
    }
  let opened = 0;
  let updated = 0;
  let reopened = 0;
  for (const change of changes) {
    // The same change found again after its alert resolved (an indicator that recovered for a
    // few points, then worsened again: the demo's scheduler moving work off a drifting model and
    // back) is that alert again, not a new one: one alert per change, its flapping counted.
    const again = await db.query(
      `UPDATE telemetry_alerts AS a
          SET status = 'open', resolved_at = NULL, reopened = a.reopened + 1, last_seen_at = now(),
              latest_value = $4, after_value = $5,
              delivery_status = CASE WHEN $6 = 'pending' THEN 'pending' ELSE a.delivery_status END,
              next_delivery_at = CASE WHEN $6 = 'pending' THEN now() ELSE a.next_delivery_at END
        WHERE a.id = (SELECT id FROM telemetry_alerts
                       WHERE indicator = $1 AND scope_key = $2 AND changed_at = $3 AND status = 'resolved'
                       ORDER BY id DESC LIMIT 1)
          AND NOT EXISTS (SELECT 1 FROM telemetry_alerts WHERE indicator = $1 AND scope_key = $2 AND status = 'open')`,
      [
        change.indicator,
        scopeKey(change.scope),
        change.changedAt,
        change.latest,
        change.after,
        settings.webhook ? "pending" : "none",
      ],
    );
    if ((again.rowCount ?? 0) > 0) {
      reopened += 1;
      continue;
    }
    const { rows } = await db.query<{ inserted: boolean }>(
      `INSERT INTO telemetry_alerts AS a (indicator, scope, scope_key, detector, changed_at, before_value, after_value,
                                          latest_value, message, delivery_status, next_delivery_at)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $10 = 'pending' THEN now() END)
       ON CONFLICT (indicator, scope_key) WHERE status = 'open' DO UPDATE
          SET last_seen_at = now(), latest_value = excluded.latest_value, after_value = excluded.after_value
       RETURNING (xmax = 0) AS inserted`,
      [
        change.indicator,
        JSON.stringify(change.scope),
        scopeKey(change.scope),
        change.detector,
        change.changedAt,
        change.before,
        change.after,
        change.latest,
        alertMessage(change),
        settings.webhook ? "pending" : "none",
      ],
    );
    if (rows[0]?.inserted) opened += 1;
    else updated += 1;
  }
  const resolved = await resolveRecovered(db, minutes, changes, settings.recoverPoints);
  return { opened, updated, resolved, reopened };
}

function alertMessage(change: Change): string {
  const rise =
    change.before === 0
      ? ""
      : ` (${change.after > change.before ? "+" : ""}${Math.round((100 * (change.after - change.before)) / Math.abs(change.before))} %)`;
  const number = (v: number) =>
    Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
  const moved = change.after >= change.before ? "rose" : "fell";
  return `${change.indicator.replaceAll("_", " ")} of ${describeScope(change.scope) || "everything"} ${moved} from ${number(change.before)} to ${number(change.after)}${rise} since ${change.changedAt} (${change.detector})`;
}

/** Open alerts whose indicator's last points are back within half the way to the level before. */
async function resolveRecovered(
  db: Queryable,
  minutes: IndicatorSeries[],
  stillChanged: Change[],
  recoverPoints: number,
): Promise<number> {
  const open = await listAlerts(db, { open: true });
  let resolved = 0;
  for (const alert of open) {
    if (
      stillChanged.some((c) => c.indicator === alert.indicator && scopeKey(c.scope) === scopeKey(alert.scope))
    )
      continue;
    const series = minutes.find(
      (s) => s.indicator === alert.indicator && scopeKey(s.scope) === scopeKey(alert.scope),
    );
    const recent = series?.points.filter((p) => p.at > alert.changedAt).slice(-recoverPoints) ?? [];
    if (recent.length < recoverPoints) continue;
    const level = mean(recent.map((p) => p.value));
    if (level > alert.beforeValue + (alert.afterValue - alert.beforeValue) / 2) continue;
    const { rowCount } = await db.query(
      "UPDATE telemetry_alerts SET status = 'resolved', resolved_at = now(), latest_value = $2 WHERE id = $1 AND status = 'open'",
      [alert.id, level],
    );
    resolved += rowCount ?? 0;
  }
  return resolved;
}

interface AlertRow {
  id: number;
  indicator: IndicatorName;
  scope: Scope;
  detector: string;
  status: "open" | "resolved";
  changed_at: string;
  before_value: number;
  after_value: number;
  latest_value: number;
  message: string;
  opened_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  reopened: number;
  delivery_status: Alert["delivery"]["status"];
  delivery_attempts: number;
  delivery_error: string | null;
}

/** Alerts, newest first: open ones only with `open`. */
export async function listAlerts(
  db: Queryable,
  options: { open?: boolean; limit?: number } = {},
): Promise<Alert[]> {
  const { rows } = await db.query<{ answer: string | null }>(
    `SELECT json_agg(a ORDER BY a.opened_at DESC, a.id DESC)::text AS answer FROM (
       SELECT * FROM telemetry_alerts WHERE ($1::boolean IS NOT TRUE OR status = 'open')
        ORDER BY opened_at DESC, id DESC LIMIT $2) a`,
    [options.open ?? false, options.limit ?? 200],
  );
  return (JSON.parse(rows[0]?.answer ?? "[]") as AlertRow[]).map((r) => ({
    id: r.id,
    indicator: r.indicator,
    scope: r.scope,
    detector: r.detector,
    status: r.status,
    changedAt: new Date(r.changed_at).toISOString(),
    beforeValue: r.before_value,
    afterValue: r.after_value,
    latestValue: r.latest_value,
    message: r.message,
    openedAt: new Date(r.opened_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at).toISOString(),
    reopened: r.reopened,
    delivery: { status: r.delivery_status, attempts: r.delivery_attempts, error: r.delivery_error },
  }));
}

export { indicatorNames };
