import type { Queryable } from "../db/database.ts";
import type { StripeEventStatus } from "./stripe-processing.ts";

export const stripeEventStatuses: readonly StripeEventStatus[] = [
  "pending",
  "processed",
  "failed",
  "ignored",
];

export interface StripeEventRow {
  id: string;
  type: string;
  livemode: boolean;
  status: StripeEventStatus;
  /** The object the event is about (data.object.id). */
  objectId: string | null;
  createdAt: string;
  receivedAt: string;
  processedAt: string | null;
  deliveries: number;
  attempts: number;
  error: string | null;
  /** The `stripe.process` task that processes it. */
  taskId: number | null;
}

export interface StripeEventCount {
  type: string;
  status: StripeEventStatus;
  events: number;
}

/** The inbox's events, newest first by Stripe's `created`, with each one's state and error. */
export async function listStripeEvents(
  db: Queryable,
  query: { status?: StripeEventStatus; type?: string; limit?: number } = {},
): Promise<StripeEventRow[]> {
  const { rows } = await db.query<{ answer: string | null }>(
    `SELECT json_agg(json_build_object(
              'id', id, 'type', type, 'livemode', livemode, 'status', status, 'objectId', object_id,
              'createdAt', created_at, 'receivedAt', received_at, 'processedAt', processed_at,
              'deliveries', deliveries, 'attempts', attempts, 'error', error, 'taskId', task_id)
            ORDER BY created_at DESC, id DESC)::text AS answer
     FROM (SELECT * FROM stripe_events
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)
           ORDER BY created_at DESC, id DESC LIMIT $3) e`,
    [query.status ?? null, query.type ?? null, query.limit ?? 100],
  );
  return (JSON.parse(rows[0]?.answer ?? "[]") as StripeEventRow[]).map((r) => ({
    ...r,
    createdAt: new Date(r.createdAt).toISOString(),
    receivedAt: new Date(r.receivedAt).toISOString(),
    processedAt: r.processedAt === null ? null : new Date(r.processedAt).toISOString(),
  }));
}

/** How many events of each type are in each state (ignored types are counted too). */
export async function countStripeEvents(db: Queryable): Promise<StripeEventCount[]> {
  const { rows } = await db.query<StripeEventCount>(
    "SELECT type, status, count(*)::int AS events FROM stripe_events GROUP BY type, status ORDER BY type, status",
  );
  return rows;
}
