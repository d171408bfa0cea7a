import type { StewardHandle } from "../app/open-steward.ts";
import { type StewardOperations, stewardOperations } from "../app/operations.ts";
import type { Jsonified } from "../jsonified.ts";

/** What the commands render. */
export type { Jsonified };

type Operations = StewardOperations;

/**
 * What every CLI command talks to: the engine's operations (src/app/operations.ts), run in this
 * process (localClient) or through the API of the `steward start` that holds the embedded
 * database (remote-client.ts). Both answer with JSON values, so a command prints the same
 * whichever path it took.
 */
export type StewardClient = {
  [Name in keyof Operations]: (
    ...args: Parameters<Operations[Name]>
  ) => Promise<Jsonified<Awaited<ReturnType<Operations[Name]>>>>;
} & {
  /** The database the answers come from, and the path they took: for status and errors. */
  readonly database: string;
  /** Set when the commands go through a running `steward start`: its pid and address. */
  readonly via?: { pid: number; url: string };
  close(): Promise<void>;
};

/** The operations on an engine opened by this process; values pass through JSON as they would over HTTP. */
export function localClient(steward: StewardHandle): StewardClient {
  const operations = stewardOperations(steward);
  const client: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(operations)) {
    client[name] = async (...args: unknown[]) =>
      roundTrip(await (operation as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  return Object.assign(client as Omit<StewardClient, "database" | "via" | "close">, {
    database: steward.db.description,
    close: () => steward.close(),
  });
}

function roundTrip<T>(value: T): Jsonified<T> {
  return value === undefined ? (undefined as Jsonified<T>) : JSON.parse(JSON.stringify(value));
}
