import { StewardError } from "../errors.ts";
import type { EnqueueDeps } from "../tasks/enqueue-tasks.ts";
import { acceptStripeEvents, envelopeOf, holdsNul, type StripeEventEnvelope } from "./stripe-inbox.ts";
import { processStripeEvent, type StripeEventStatus } from "./stripe-processing.ts";

/** The most events one replay request carries (the CLI sends a file in batches of this size). */
export const maxReplayBatch = 500;

export interface ReplayedEvent {
  /** The line (JSON Lines) or the array's position, from 1, the event came from. */
  line: number;
  event: StripeEventEnvelope;
  /** The event as written in the file: stored as it is. */
  text: string;
}

/**
 * The events of a replay file: a JSON array of events, or JSON Lines (one event a line, blank
 * lines skipped). Every line is checked before anything is stored: a line that is not JSON, or
 * not an event (id, type, livemode, created), refuses the whole file, naming the line.
 */
export function parseStripeEventFile(text: string, name: string): ReplayedEvent[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    let array: unknown;
    try {
      array = JSON.parse(trimmed);
    } catch (error) {
      throw badFile(name, `it starts as a JSON array but is not JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(array)) throw badFile(name, "it is not a JSON array of events");
    return array.map((value, i) => ({
      line: i + 1,
      event: eventAt(value, name, `item ${i + 1}`),
      text: JSON.stringify(value),
    }));
  }
  const events: ReplayedEvent[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw badFile(name, `line ${i + 1} is not JSON`, i + 1);
    }
    events.push({ line: i + 1, event: eventAt(value, name, `line ${i + 1}`, i + 1), text: line });
  }
  return events;
}

function eventAt(value: unknown, name: string, where: string, line?: number): StripeEventEnvelope {
  if (holdsNul(JSON.stringify(value) ?? ""))
    throw badFile(name, `${where} holds a NUL character (\\u0000), which the inbox cannot store`, line);
  try {
    return envelopeOf(value);
  } catch (error) {
    const why =
      error instanceof StewardError
        ? error.message.replace(/^Stripe delivery refused: the body is signed but /, "")
        : String(error);
    throw badFile(name, `${where} ${why.replace(/; nothing was stored\.$/, "")}`, line);
  }
}

function badFile(name: string, why: string, line?: number): StewardError {
  return new StewardError("validation_failed", `${name}: ${why}; nothing was replayed.`, {
    details: { problems: [{ path: line === undefined ? name : `${name}:${line}`, message: why }] },
  });
}

export interface ReplayResult {
  /** Events new to the inbox. */
  stored: number;
  /** Events the inbox had already (not stored again). */
  duplicates: number;
  /** What processing made of the events, when they were processed here. */
  statuses: Partial<Record<StripeEventStatus | "missing", number>>;
}

/**
 * Takes events an operator vouches for (no signature) into the inbox by the webhook's own path:
 * stored once per id, a `stripe.process` task each; then, unless `process` is false, processed
 * here at once (the tasks then find them done). All are checked before any is stored.
 */
export async function replayStripeEvents(
  deps: EnqueueDeps,
  events: unknown[],
  options: { process?: boolean } = {},
): Promise<ReplayResult> {
  if (events.length > maxReplayBatch)
    throw new StewardError(
      "validation_failed",
      `A replay request carries at most ${maxReplayBatch} events, not ${events.length}.`,
    );
  const checked = events.map((value, i) => ({ value, event: eventAt(value, "events", `item ${i + 1}`) }));
  const result: ReplayResult = { stored: 0, duplicates: 0, statuses: {} };
  const accepted = await acceptStripeEvents(
    deps,
    checked.map(({ value, event }) => ({ event, raw: JSON.stringify(value) })),
  );
  for (const a of accepted) {
    if (a.stored) result.stored++;
    else result.duplicates++;
  }
  if (options.process !== false)
    for (const { event } of checked) {
      const outcome = await processStripeEvent(deps.db, event.id);
      result.statuses[outcome.status] = (result.statuses[outcome.status] ?? 0) + 1;
    }
  return result;
}
