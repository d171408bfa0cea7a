import type Stripe from "stripe";
import { StewardError } from "../errors.ts";
import type { EnqueueDeps } from "../tasks/enqueue-tasks.ts";
import { maskKeys, type StripeApiAccess, stripeClient } from "./stripe-api.ts";
import { acceptStripeEvents, type StripeEventEnvelope } from "./stripe-inbox.ts";
import { processStripeEvent, type StripeEventStatus } from "./stripe-processing.ts";

/**
 * Past events through Stripe's API (`steward stripe import`), a page at a time: Stripe lists
 * events newest first (only the last 30 days are kept), so each page goes further back, and the
 * cursor (the last event id taken) is saved after every page in `stripe_imports`: an import
 * interrupted resumes from its cursor. Every page goes through the inbox like deliveries (stored
 * once per id, a `stripe.process` task each), so a page taken twice counts nothing twice.
 */

export interface ImportPage {
  /** The import's name: one per `since`. */
  name: string;
  /** Events on this page, and in the import so far. */
  events: number;
  imported: number;
  pages: number;
  /** New to the inbox on this page (the rest it had). */
  stored: number;
  statuses: Partial<Record<StripeEventStatus | "missing", number>>;
  /** How far back the import has come: the last event's `created`. */
  reachedAt: string | null;
  since: string | null;
  done: boolean;
  /** The saved cursor this page continued from (none: the import's first page). */
  resumedFrom?: string;
}

/**
 * Takes one page of events (the next after the saved cursor) into the inbox, processes them at
 * once unless `process` is false, and saves the cursor. The CLI calls it until `done`.
 */
export async function importStripePage(
  deps: EnqueueDeps,
  access: StripeApiAccess,
  options: { since?: Date; process?: boolean; pageSize?: number },
): Promise<ImportPage> {
  const name = `since:${options.since?.toISOString() ?? "the beginning"}`;
  const { rows } = await deps.db.query<{
    cursor: string | null;
    status: string;
    imported: number;
    pages: number;
  }>("SELECT cursor, status, imported::float8 AS imported, pages FROM stripe_imports WHERE name = $1", [
    name,
  ]);
  // A finished import asked again starts over (the inbox ignores what it has).
  const previous = rows[0]?.status === "running" ? rows[0] : undefined;
  const cursor = previous?.cursor ?? undefined;
  const stripe = stripeClient(access);
  let page: Stripe.ApiList<Stripe.Event>;
  try {
    page = await stripe.events.list({
      limit: options.pageSize ?? 100,
      ...(options.since ? { created: { gte: Math.floor(options.since.getTime() / 1000) } } : {}),
      ...(cursor ? { starting_after: cursor } : {}),
    });
  } catch (error) {
    throw new StewardError("validation_failed", `Stripe's API refused the import: ${maskKeys(error)}`);
  }
  const events = page.data;
  const accepted = await acceptStripeEvents(
    deps,
    events.map((event) => ({ event: event as unknown as StripeEventEnvelope, raw: JSON.stringify(event) })),
  );
  const statuses: ImportPage["statuses"] = {};
  if (options.process !== false)
    for (const event of events) {
      const outcome = await processStripeEvent(deps.db, event.id);
      statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
    }
  const last = events.at(-1);
  const done = !page.has_more || last === undefined;
  const { rows: saved } = await deps.db.query<{ imported: number; pages: number; reached_at: Date | null }>(
    `INSERT INTO stripe_imports (name, since, cursor, status, imported, pages, reached_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, 1, to_timestamp($6), CASE WHEN $4 = 'done' THEN now() END)
     ON CONFLICT (name) DO UPDATE SET
       cursor = coalesce(EXCLUDED.cursor, stripe_imports.cursor), status = EXCLUDED.status,
       imported = CASE WHEN stripe_imports.status = 'done' THEN 0 ELSE stripe_imports.imported END + EXCLUDED.imported,
       pages = CASE WHEN stripe_imports.status = 'done' THEN 0 ELSE stripe_imports.pages END + 1,
       reached_at = coalesce(EXCLUDED.reached_at, stripe_imports.reached_at),
       started_at = CASE WHEN stripe_imports.status = 'done' THEN now() ELSE stripe_imports.started_at END,
       updated_at = now(), finished_at = EXCLUDED.finished_at
     RETURNING imported::float8 AS imported, pages, reached_at`,
    [
      name,
      options.since ?? null,
      last?.id ?? null,
      done ? "done" : "running",
      events.length,
      last?.created ?? null,
    ],
  );
  const row = saved[0]!;
  return {
    name,
    events: events.length,
    imported: row.imported,
    pages: row.pages,
    stored: accepted.filter((a) => a.stored).length,
    statuses,
    reachedAt: row.reached_at ? new Date(row.reached_at).toISOString() : null,
    since: options.since?.toISOString() ?? null,
    done,
    ...(cursor ? { resumedFrom: cursor } : {}),
  };
}
