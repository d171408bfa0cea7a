import Stripe from "stripe";
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
  if (holdsNul(raw.toString("utf8")))
    throw refused("not_storable", "the event holds a NUL character (\\u0000), which the inbox cannot store");
  return envelopeOf(event);
}

/** PostgreSQL's jsonb cannot hold \u0000; Stripe never sends it. */
export function holdsNul(json: string): boolean {
  return /(?<!\\)(?:\\\\)*\\u0000/.test(json);
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

export interface AcceptedEvent {
  /** False for an event the inbox had already (or an earlier copy of it in the same batch). */
  stored: boolean;
  deliveries: number;
  taskId: number | null;
}

/**
 * Takes events into the inbox and makes sure a `stripe.process` task will process each: stored
 * first (once per id: a repeated delivery only counts in `deliveries`), then a task added for each
 * event still pending without one (under the event's idempotency key, so that a retry after a
 * crash between the two finds the same task), then the task noted on its event. Three statements
 * for any number of events. Whoever answers Stripe does so only after this resolves: a 2xx means
 * the event is stored and its processing queued; a failure before that is retried by Stripe.
 */
export async function acceptStripeEvents(
  deps: EnqueueDeps,
  items: { event: StripeEventEnvelope; raw: Buffer | string }[],
): Promise<AcceptedEvent[]> {
  if (items.length === 0) return [];
  // One row per id (a row may not be changed twice by one statement); later copies are repeats.
  const copies = new Map<string, number>();
  const unique: { event: StripeEventEnvelope; raw: Buffer | string }[] = [];
  for (const item of items) {
    const n = copies.get(item.event.id) ?? 0;
    if (n === 0) unique.push(item);
    copies.set(item.event.id, n + 1);
  }
  const { rows } = await deps.db.query<{
    id: string;
    inserted: boolean;
    deliveries: number;
    status: string;
    task_id: number | null;
  }>(
    `INSERT INTO stripe_events (id, type, livemode, api_version, created_at, payload, deliveries)
     SELECT x.id, x.type, x.livemode, x.api_version, to_timestamp(x.created), x.payload::jsonb, x.copies
     FROM jsonb_to_recordset($1::jsonb)
          AS x(id text, type text, livemode boolean, api_version text, created float8, payload text, copies int)
     ON CONFLICT (id) DO UPDATE SET deliveries = stripe_events.deliveries + EXCLUDED.deliveries
     RETURNING id, (xmax = 0) AS inserted, deliveries, status, task_id`,
    [
      JSON.stringify(
        unique.map(({ event, raw }) => ({
          id: event.id,
          type: event.type,
          livemode: event.livemode,
          api_version: event.api_version ?? null,
          created: event.created,
          payload: raw.toString("utf8"),
          copies: copies.get(event.id),
        })),
      ),
    ],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const needTask = rows.filter((r) => r.status === "pending" && r.task_id === null);
  if (needTask.length > 0) {
    const tasks = await enqueueTasks(
      deps,
      needTask.map((r) => ({
        kind: stripeProcessKindName,
        payload: { event: r.id },
        idempotencyKey: `stripe-event:${r.id}`,
      })),
    );
    await deps.db.query(
      "UPDATE stripe_events e SET task_id = x.task FROM unnest($1::text[], $2::bigint[]) AS x(id, task) WHERE e.id = x.id",
      [needTask.map((r) => r.id), tasks.map((t) => t.id)],
    );
    needTask.forEach((r, i) => {
      r.task_id = tasks[i]!.id;
    });
  }
  const seen = new Set<string>();
  return items.map(({ event }) => {
    const row = byId.get(event.id)!;
    const first = !seen.has(event.id);
    seen.add(event.id);
    return { stored: row.inserted && first, deliveries: row.deliveries, taskId: row.task_id };
  });
}

/**
 * The webhook's writer: deliveries that arrive while a batch is being written wait for the next
 * one, so that under load many deliveries share each round trip to the database (a group commit),
 * and alone a delivery is written at once. Each delivery's promise resolves once its batch is
 * committed, or rejects with the batch's error (then none of the batch was acknowledged).
 */
export class StripeInbox {
  readonly #deps: EnqueueDeps;
  readonly #maxBatch: number;
  #queue: {
    event: StripeEventEnvelope;
    raw: Buffer;
    resolve: (a: AcceptedEvent) => void;
    reject: (e: unknown) => void;
  }[] = [];
  #writing = false;

  constructor(deps: EnqueueDeps, options: { maxBatch?: number } = {}) {
    this.#deps = deps;
    this.#maxBatch = options.maxBatch ?? 200;
  }

  accept(event: StripeEventEnvelope, raw: Buffer): Promise<AcceptedEvent> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, raw, resolve, reject });
      if (!this.#writing) void this.#write();
    });
  }

  async #write(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      try {
        const accepted = await acceptStripeEvents(this.#deps, batch);
        for (const [i, item] of batch.entries()) item.resolve(accepted[i]!);
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.#writing = false;
  }
}
