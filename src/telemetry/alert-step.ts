import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { Queryable, Session } from "../db/database.ts";
import { type AlertSettings, evaluateAlerts, listAlerts } from "./alerts.ts";
import type { IndicatorReader } from "./indicator-series.ts";

/**
 * The workers' alert step (a WorkerPool maintenance step, handed in by the shell that starts the
 * worker): evaluates the alerts on trend change, one process at a time, then delivers the alerts
 * due to the webhook. Delivery never blocks the engine: it runs on the step's own timer, each POST
 * with a timeout, and a failure is kept on the alert (its last error, the attempts, the next try
 * after a backoff of 10 s doubling to an hour) until the attempts run out.
 */
export function alertStep(deps: {
  db: Session;
  clock: Clock;
  logger: Logger;
  settings: AlertSettings;
  fetch?: typeof fetch;
  /** Indicators of other domains to watch beside the task rollups' (the money's). */
  readers?: readonly IndicatorReader[];
}) {
  return {
    name: "alerts on trend change",
    everyMs: deps.settings.evaluateEveryMs,
    run: async () => {
      const result = await deps.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_xact_lock(hashtext('steward:alert-evaluation')) AS locked",
        );
        return rows[0]?.locked ? evaluateAlerts(tx, deps.settings, deps.clock, deps.readers) : null;
      });
      if (result && result.opened > 0)
        for (const alert of (await listAlerts(deps.db, { open: true, limit: result.opened })).slice(
          0,
          result.opened,
        ))
          deps.logger.warn(
            { alert: alert.id, indicator: alert.indicator, scope: alert.scope },
            `alert: ${alert.message}`,
          );
      if (deps.settings.webhook)
        await deliverAlerts(deps.db, deps.settings.webhook, deps.logger, deps.fetch ?? fetch);
    },
  };
}

type Webhook = NonNullable<AlertSettings["webhook"]>;

/** The signature header of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signDelivery(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** POSTs each alert due for delivery; claims them first (next try a minute on), so two processes never send one twice at once. */
export async function deliverAlerts(
  db: Queryable,
  webhook: Webhook,
  logger: Logger,
  send: typeof fetch = fetch,
): Promise<{ delivered: number; failed: number }> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE telemetry_alerts SET next_delivery_at = now() + interval '1 minute'
      WHERE id IN (SELECT id FROM telemetry_alerts
                    WHERE delivery_status = 'pending' AND next_delivery_at <= now()
                    ORDER BY next_delivery_at LIMIT 20)
      RETURNING id`,
  );
  if (rows.length === 0) return { delivered: 0, failed: 0 };
  const due = new Set(rows.map((r) => r.id));
  const alerts = (await listAlerts(db, { limit: 1_000 })).filter((a) => due.has(a.id));
  let delivered = 0;
  let failed = 0;
  for (const alert of alerts) {
    const body = JSON.stringify({ type: "steward.alert", alert });
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "steward" };
    if (webhook.secret)
      headers["steward-signature"] = signDelivery(webhook.secret, body, Math.floor(Date.now() / 1000));
    let error: string | null = null;
    try {
      const response = await send(webhook.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(webhook.timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) error = `the webhook answered ${response.status}`;
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    if (error === null) {
      delivered += 1;
      await db.query(
        "UPDATE telemetry_alerts SET delivery_status = 'delivered', delivery_attempts = delivery_attempts + 1, delivery_error = NULL, next_delivery_at = NULL WHERE id = $1",
        [alert.id],
      );
      continue;
    }
    failed += 1;
    const attempts = alert.delivery.attempts + 1;
    const last = attempts >= webhook.maxAttempts;
    logger.warn(
      { alert: alert.id, attempts },
      `alert ${alert.id} not delivered: ${error}${last ? " (giving up)" : ""}`,
    );
    await db.query(
      `UPDATE telemetry_alerts
          SET delivery_status = $2, delivery_attempts = $3, delivery_error = $4,
              next_delivery_at = CASE WHEN $2 = 'pending' THEN now() + $5 * interval '1 millisecond' END
        WHERE id = $1`,
      [
        alert.id,
        last ? "failed" : "pending",
        attempts,
        error.slice(0, 500),
        Math.min(10_000 * 2 ** (attempts - 1), 3_600_000),
      ],
    );
  }
  return { delivered, failed };
}
