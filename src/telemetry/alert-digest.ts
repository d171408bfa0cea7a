import type { Queryable } from "../db/database.ts";

/**
 * What the dashboard's event stream says about the alerts on trend change: enough for a page to
 * know that they changed (one opened, was refreshed or resolved) and fetch them again, without
 * sending every alert every second. telemetry_alerts holds one row per change found, so it stays
 * small: reading it whole each second costs little.
 */
export interface AlertDigest {
  open: number;
  /** The newest alert's id; 0 when there is none. */
  newestId: number;
  /** When an alert last moved (opened, seen again, resolved); null when there is none. */
  changedAt: string | null;
}

export async function readAlertDigest(db: Queryable): Promise<AlertDigest> {
  const { rows } = await db.query<{ open: number; newest_id: number; changed_at: string | null }>(
    `SELECT count(*) FILTER (WHERE status = 'open')::int AS open, coalesce(max(id), 0)::int AS newest_id,
            max(greatest(opened_at, last_seen_at, resolved_at))::text AS changed_at
       FROM telemetry_alerts`,
  );
  const row = rows[0];
  return {
    open: row?.open ?? 0,
    newestId: row?.newest_id ?? 0,
    changedAt: row?.changed_at == null ? null : new Date(row.changed_at).toISOString(),
  };
}
