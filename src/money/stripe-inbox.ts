import Stripe from "stripe";
import type { Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { type EnqueueDeps, enqueueTasks } from "../tasks/enqueue-tasks.ts";
import type { StripeConfig } from "./stripe-config.ts";
import { stripeProcessKindName } from "./stripe-kind.ts";

/** What Steward keeps of a delivered event's envelope; the whole event is stored as delivered. */
export interface StripeEventEnvelope {
  id: string;
  type: string;
  livemode: boolean;
  created: number;
  api_version?: string | null;
}

/**
 * The event a delivery carries, once its Stripe-Signature verifies with one of the configured
 * secrets (stripe's webhooks.constructEvent: HMAC-SHA256 of `t.body`, compared in constant time,
 * the timestamp within the tolerance). Refused, with the reason and nothing stored: no secret
 * configured, no header, a header of another shape, a signature no secret makes, a stale
 * timestamp, a body that is not a Stripe event. No secret appears in any message.
 */
export function verifyStripeDelivery(
  raw: Buffer,
  header: string | undefined,
  config: StripeConfig,
): StripeEventEnvelope {
  if (config.webhookSecrets.length === 0)
    throw refused(
      "no_secret",
      "Stripe webhooks are not configured: set stripe.webhookSecrets or STEWARD_STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…)",
    );
  if (header === undefined || header.trim() === "")
    throw refused(
      "no_signature",
      "the Stripe-Signature header is missing: deliveries must come from Stripe, signed",
    );
  let event: unknown;
  let stale = false;
  for (const secret of config.webhookSecrets) {
    try {
      event = Stripe.webhooks.constructEvent(raw, header, secret, config.toleranceSeconds);
      break;
    } catch (error) {
      if (error instanceof SyntaxError)
        throw refused("not_json", "the body is signed but is not JSON: not a Stripe event");
      const message = error instanceof Error ? error.message : String(error);
      if (/Unable to extract timestamp and signatures/i.test(message))
        throw refused("bad_header", "the Stripe-Signature header is not of the form t=<seconds>,v1=<hex>");
      if (/Timestamp outside the tolerance zone/i.test(message)) stale = true;
    }
  }
  if (event === undefined)
    throw stale
      ? refused(
          "stale",
          `the signature's timestamp is more than ${config.toleranceSeconds} s old (stripe.toleranceSeconds): a replayed delivery, or a clock far off`,
        )
      : refused(
          "signature_mismatch",
          "no v1 signature matches the body with any configured secret: is the body changed on the way (it must be the exact bytes), or the secret another endpoint's?",
        );
  return envelopeOf(event);
}

export function envelopeOf(event: unknown): StripeEventEnvelope {
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof e?.id !== "string" || e.id === "") problems.push("id (a string)");
  if (typeof e?.type !== "string" || e.type === "") problems.push("type (a string)");
  if (typeof e?.livemode !== "boolean") problems.push("livemode (true or false)");
  if (typeof e?.created !== "number" || !Number.isFinite(e.created)) problems.push("created (Unix seconds)");
  if (problems.length > 0)
    throw refused(
      "not_an_event",
      `the body is signed but is not a Stripe event: it lacks ${problems.join(", ")}`,
    );
  return e as unknown as StripeEventEnvelope;
}

function refused(reason: string, why: string): StewardError {
  return new StewardError("validation_failed", `Stripe delivery refused: ${why}; nothing was stored.`, {
    details: { reason },
  });
}

/**
 * Stores a verified event in the inbox (stripe_events, migration 0015), as delivered, unless it is
 * there already: a repeated delivery only counts one more delivery. Answers whether it is new,
 * and what became of it so far.
 */
export async function storeStripeEvent(
  db: Queryable,
  event: StripeEventEnvelope,
  raw: Buffer | string,
): Promise<{ stored: boolean; deliveries: number; status: string; taskId: number | null }> {
  const { rows } = await db.query<{
    inserted: boolean;
    deliveries: number;
    status: string;
    task_id: number | null;
  }>(
    `INSERT INTO stripe_events (id, type, livemode, api_version, created_at, payload)
     VALUES ($1, $2, $3, $4, to_timestamp($5), $6::jsonb)
     ON CONFLICT (id) DO UPDATE SET deliveries = stripe_events.deliveries + 1
     RETURNING (xmax = 0) AS inserted, deliveries, status, task_id`,
    [event.id, event.type, event.livemode, event.api_version ?? null, event.created, raw.toString("utf8")],
  );
  const row = rows[0]!;
  return { stored: row.inserted, deliveries: row.deliveries, status: row.status, taskId: row.task_id };
}

/**
 * Takes an event into the inbox and makes sure a `stripe.process` task will process it: stored
 * first, then the task added (under the event's idempotency key, so that a repeated delivery, or a
 * retry after a crash between the two, finds the same task). The webhook answers Stripe only
 * after this resolves: a 2xx means the event is stored and its processing queued, and a failure
 * before that is retried by Stripe.
 */
export async function acceptStripeEvent(
  deps: EnqueueDeps,
  event: StripeEventEnvelope,
  raw: Buffer | string,
): Promise<{ stored: boolean; deliveries: number; taskId: number | null }> {
  const stored = await storeStripeEvent(deps.db, event, raw);
  if (stored.status !== "pending" || stored.taskId !== null) return stored;
  const [task] = await enqueueTasks(deps, [
    { kind: stripeProcessKindName, payload: { event: event.id }, idempotencyKey: `stripe-event:${event.id}` },
  ]);
  await deps.db.query("UPDATE stripe_events SET task_id = $2 WHERE id = $1", [event.id, task!.id]);
  return { ...stored, taskId: task!.id };
}
