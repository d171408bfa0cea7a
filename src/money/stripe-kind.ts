import { z } from "zod";
import type { Database } from "../db/database.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";
import type { StripeApiAccess } from "./stripe-api.ts";
import { processStripeEvent } from "./stripe-processing.ts";

export const stripeProcessKindName = "stripe.process";

/**
 * The kind that processes one stored Stripe event into the ledger (stripe-processing.ts); one
 * task per event, added when the event is stored. An error other than an unreadable shape fails
 * the attempt, and the engine retries it with backoff (the event shows `failed` with the error
 * until then). With a Stripe API key configured, a charge's fee is fetched when its payload
 * carries only its balance transaction's id.
 */
export function stripeProcessKind(db: Database, api?: StripeApiAccess): TaskKind {
  return {
    name: stripeProcessKindName,
    description: 'Processes one stored Stripe event into the ledger; payload { "event": "evt_…" }.',
    payload: z.strictObject({ event: z.string().min(1).max(255) }),
    defaults: { stage: "money", maxAttempts: 8 },
    run: (task) => processStripeEvent(db, (task.payload as { event: string }).event, { api }),
  };
}
