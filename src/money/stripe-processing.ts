import type Stripe from "stripe";
import type { Database, Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { type KnownObject, type LedgerEntry, paymentLedger, type RefundedLevel } from "./payment-ledger.ts";
import { maskKeys, type StripeApiAccess, stripeClient } from "./stripe-api.ts";
import {
  type CheckoutSession,
  type Invoice,
  idOf,
  type Link,
  readStripeObject,
  type Snapshot,
  type Subscription,
  subscriptionOfInvoice,
} from "./stripe-payloads.ts";

export type StripeEventStatus = "pending" | "processed" | "failed" | "ignored";

export interface ProcessedEvent {
  id: string;
  status: StripeEventStatus | "missing";
  error?: string;
  /** Ledger entries of the payments this event touched, after it (added, changed or kept). */
  entries?: number;
}

/**
 * Applies one stored event (the `stripe.process` task's work), all or nothing, in one
 * transaction: its objects' snapshots are kept where they are newer than what is known, the
 * links they name are added, and the ledger entries of every payment they touch are derived again
 * from everything known of it (payment-ledger.ts). An event of a type Steward does not read is
 * marked `ignored`; one whose object has a shape Steward cannot read is marked `failed` with the
 * field, and changes nothing (retrying it cannot help until Steward reads that shape). Any other
 * error leaves the event `failed` with the error and is thrown, so the task is retried.
 *
 * Events are processed one at a time (a transaction-scoped advisory lock): a payment's objects
 * arrive in separate events, and two of them derived at once could each miss the other.
 */
export async function processStripeEvent(
  db: Database,
  eventId: string,
  options: { api?: StripeApiAccess } = {},
): Promise<ProcessedEvent> {
  try {
    if (options.api?.apiKey || options.api?.apiKeyFile) await fetchChargeFee(db, eventId, options.api);
    return await db.transaction((tx) => applyEvent(tx, eventId));
  } catch (error) {
    // Only a shape Steward cannot read is final (readStripeObject names its field); a missing key
    // file or a database error is worth retrying.
    const unreadable = error instanceof StewardError && typeof error.details.field === "string";
    const message = error instanceof Error ? error.message : String(error);
    await db.query(
      `UPDATE stripe_events SET status = 'failed', attempts = attempts + 1, error = $2 WHERE id = $1`,
      [eventId, message.slice(0, 2000)],
    );
    if (unreadable) return { id: eventId, status: "failed", error: message };
    throw error;
  }
}

/**
 * A charge's fee is on its balance transaction, which webhooks carry as an id only: with an API
 * key configured, it is fetched once (outside the processing lock: it is a network call) and kept
 * as an object linked to the charge, so that the payment's derivation finds it.
 */
async function fetchChargeFee(db: Database, eventId: string, api: StripeApiAccess): Promise<void> {
  const { rows } = await db.query<{ charge: string | null; txn: string | null; livemode: boolean }>(
    `SELECT e.livemode, e.payload #>> '{data,object,id}' AS charge, e.payload #>> '{data,object,balance_transaction}' AS txn
     FROM stripe_events e
     WHERE e.id = $1 AND e.status <> 'processed' AND e.payload #>> '{data,object,object}' = 'charge'
       AND jsonb_typeof(e.payload #> '{data,object,balance_transaction}') = 'string'
       AND NOT EXISTS (SELECT 1 FROM stripe_objects o WHERE o.id = e.payload #>> '{data,object,balance_transaction}')`,
    [eventId],
  );
  const found = rows[0];
  if (!found?.txn || !found.charge) return;
  let txn: Stripe.BalanceTransaction;
  try {
    txn = await stripeClient(api).balanceTransactions.retrieve(found.txn);
  } catch (error) {
    throw new Error(
      `the fee of ${found.charge} could not be fetched from Stripe (${found.txn}): ${maskKeys(error)}`,
    );
  }
  await db.transaction(async (tx) => {
    await keepSnapshots(
      tx,
      [
        {
          id: txn.id,
          object: "balance_transaction",
          orderKey: [0, txn.created],
          data: txn as unknown as Record<string, unknown>,
        },
      ],
      eventId,
      found.livemode,
    );
    await addLinks(tx, [
      { id: found.charge!, linked: txn.id, kind: "money" },
      { id: txn.id, linked: found.charge!, kind: "money" },
    ]);
  });
}

async function applyEvent(tx: Queryable, eventId: string): Promise<ProcessedEvent> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('steward:stripe-processing'))");
  const { rows } = await tx.query<{
    type: string;
    livemode: boolean;
    created: number;
    status: StripeEventStatus;
    object: unknown;
  }>(
    `SELECT type, livemode, extract(epoch FROM created_at)::float8 AS created, status,
            payload -> 'data' -> 'object' AS object
     FROM stripe_events WHERE id = $1 FOR UPDATE`,
    [eventId],
  );
  const event = rows[0];
  if (!event) return { id: eventId, status: "missing" };
  if (event.status === "processed" || event.status === "ignored")
    return { id: eventId, status: event.status };
  const reading = readStripeObject(event.type, event.object, Math.round(event.created));
  if (reading === undefined) {
    await finish(tx, eventId, "ignored");
    return { id: eventId, status: "ignored" };
  }
  await keepSnapshots(tx, reading.snapshots, eventId, event.livemode);
  await addLinks(tx, reading.links);
  const roots = await paymentsTouched(tx, reading.snapshots);
  let entries = 0;
  const derived = new Set<string>();
  for (const root of roots) {
    if (derived.has(root)) continue;
    const component = await paymentObjects(tx, root);
    for (const id of component) derived.add(id);
    entries += await deriveLedger(tx, component, eventId);
  }
  await finish(tx, eventId, "processed");
  return { id: eventId, status: "processed", entries };
}

async function finish(tx: Queryable, eventId: string, status: StripeEventStatus): Promise<void> {
  await tx.query(
    `UPDATE stripe_events SET status = $2, attempts = attempts + 1, error = NULL, processed_at = now()
     WHERE id = $1`,
    [eventId, status],
  );
}

async function keepSnapshots(tx: Queryable, snapshots: Snapshot[], eventId: string, livemode: boolean) {
  if (snapshots.length === 0) return;
  await tx.query(
    `INSERT INTO stripe_objects (id, object, livemode, order_key, event_id, data)
     SELECT x.id, x.object, x.livemode, ARRAY(SELECT jsonb_array_elements_text(x.order_key)::bigint), x.event_id, x.data
     FROM jsonb_to_recordset($1::jsonb)
          AS x(id text, object text, livemode boolean, order_key jsonb, event_id text, data jsonb)
     ON CONFLICT (id) DO UPDATE
       SET object = EXCLUDED.object, livemode = EXCLUDED.livemode, order_key = EXCLUDED.order_key,
           event_id = EXCLUDED.event_id, data = EXCLUDED.data, updated_at = now()
       WHERE (stripe_objects.order_key, stripe_objects.event_id) < (EXCLUDED.order_key, EXCLUDED.event_id)`,
    [
      JSON.stringify(
        snapshots.map((s) => ({
          id: s.id,
          object: s.object,
          livemode,
          order_key: s.orderKey,
          event_id: eventId,
          data: s.data,
        })),
      ),
    ],
  );
}

async function addLinks(tx: Queryable, links: Link[]) {
  if (links.length === 0) return;
  await tx.query(
    `INSERT INTO stripe_links (id, linked, kind)
     SELECT x.id, x.linked, x.kind FROM jsonb_to_recordset($1::jsonb) AS x(id text, linked text, kind text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(links)],
  );
}

/**
 * Where the payments an event touches are found from: its objects; for a subscription (which is
 * no payment itself), the invoices and sessions it attributes. A customer touches none.
 */
async function paymentsTouched(tx: Queryable, snapshots: Snapshot[]): Promise<string[]> {
  const roots = snapshots
    .filter((s) => s.object !== "subscription" && s.object !== "customer")
    .map((s) => s.id);
  const subscriptions = snapshots.filter((s) => s.object === "subscription").map((s) => s.id);
  if (subscriptions.length > 0) {
    const { rows } = await tx.query<{ linked: string }>(
      `SELECT linked FROM stripe_links WHERE id = ANY($1::text[]) AND kind = 'attribution' ORDER BY linked`,
      [subscriptions],
    );
    roots.push(...rows.map((r) => r.linked));
  }
  return roots;
}

/** Every object of the payment `root` belongs to: those joined to it by money links, transitively. */
async function paymentObjects(tx: Queryable, root: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `WITH RECURSIVE payment(id) AS (
       SELECT $1::text
       UNION
       SELECT l.linked FROM stripe_links l JOIN payment p ON l.id = p.id WHERE l.kind = 'money'
     )
     SELECT id FROM payment ORDER BY id`,
    [root],
  );
  return rows.map((r) => r.id);
}

/**
 * Derives the ledger entries of one payment again from everything known of it, and puts them in
 * place of the entries derived before (from this payment, or from the smaller payments it turned
 * out to join). Answers how many it has.
 */
async function deriveLedger(tx: Queryable, ids: string[], eventId: string): Promise<number> {
  const { rows: objects } = await tx.query<KnownObject>(
    "SELECT id, object, livemode, data FROM stripe_objects WHERE id = ANY($1::text[])",
    [ids],
  );
  const charges = objects.filter((o) => o.object === "charge").map((o) => o.id);
  const { rows: refundedLevels } = charges.length
    ? await tx.query<RefundedLevel>(
        `SELECT object_id AS charge, id AS "eventId", extract(epoch FROM created_at)::float8 AS "eventCreated",
                (payload #>> '{data,object,amount_refunded}')::bigint::float8 AS "amountRefunded"
         FROM stripe_events
         WHERE object_id = ANY($1::text[]) AND (status = 'processed' OR id = $2)
           AND payload #>> '{data,object,object}' = 'charge'`,
        [charges, eventId],
      )
    : { rows: [] };
  const subscriptionIds = objects.flatMap((o) =>
    o.object === "invoice"
      ? [subscriptionOfInvoice(o.data as Invoice)]
      : o.object === "checkout.session"
        ? [idOf((o.data as CheckoutSession).subscription)]
        : [],
  );
  const named = subscriptionIds.filter((s): s is string => s !== undefined);
  const { rows: subscriptions } = named.length
    ? await tx.query<{ id: string; data: Subscription }>(
        "SELECT id, data FROM stripe_objects WHERE id = ANY($1::text[])",
        [named],
      )
    : { rows: [] };
  const entries = paymentLedger({
    objects,
    refundedLevels,
    subscriptions: new Map(subscriptions.map((s) => [s.id, s.data])),
  });
  await tx.query("DELETE FROM money_entries WHERE source = 'stripe' AND group_key = ANY($1::text[])", [ids]);
  if (entries.length > 0) await insertEntries(tx, entries, ids[0]!);
  return entries.length;
}

async function insertEntries(tx: Queryable, entries: LedgerEntry[], groupKey: string) {
  await tx.query(
    `INSERT INTO money_entries (source, source_id, type, amount_minor, currency, occurred_at, idea, stream,
                                stripe_object, customer, group_key, livemode)
     SELECT 'stripe', x.source_id, x.type, x.amount_minor, x.currency, x.occurred_at, x.idea, x.stream,
            x.stripe_object, x.customer, $2, x.livemode
     FROM jsonb_to_recordset($1::jsonb) AS x(source_id text, type text, amount_minor bigint, currency text,
          occurred_at timestamptz, idea text, stream text, stripe_object text, customer text, livemode boolean)`,
    [
      JSON.stringify(
        entries.map((e) => ({
          source_id: e.sourceId,
          type: e.type,
          amount_minor: e.amountMinor,
          currency: e.currency,
          occurred_at: e.occurredAt.toISOString(),
          idea: e.idea,
          stream: e.stream,
          stripe_object: e.stripeObject,
          customer: e.customer,
          livemode: e.livemode,
        })),
      ),
      groupKey,
    ],
  );
}

/**
 * Processes failed events again, now (`steward stripe reprocess`): those named, or every failed
 * one. For an event whose shape Steward could not read, after an upgrade that reads it; for one
 * whose task gave up. Answers what each became; ids that name no failed event are listed apart.
 */
export async function reprocessStripeEvents(
  db: Database,
  query: { ids?: string[]; allFailed?: boolean; api?: StripeApiAccess },
): Promise<{ events: ProcessedEvent[]; notFailed: string[] }> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM stripe_events
     WHERE status = 'failed' AND ($1::text[] IS NULL OR id = ANY($1)) ORDER BY created_at, id LIMIT 10000`,
    [query.allFailed ? null : (query.ids ?? [])],
  );
  const events: ProcessedEvent[] = [];
  for (const { id } of rows) {
    await db.query("UPDATE stripe_events SET status = 'pending' WHERE id = $1 AND status = 'failed'", [id]);
    events.push(await processStripeEvent(db, id, { api: query.api }));
  }
  const found = new Set(rows.map((r) => r.id));
  return { events, notFailed: (query.ids ?? []).filter((id) => !found.has(id)) };
}
