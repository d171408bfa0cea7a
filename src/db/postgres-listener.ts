import pg from "pg";

type Handler = (payload: string) => void;

/**
 * LISTEN on PostgreSQL needs one connection of its own that stays open. If it drops (a server
 * restart, a network cut) it is opened again with backoff and every channel is listened to
 * again; handlers are then called with an empty payload, since notifications sent meanwhile
 * were lost and listeners should look for work themselves.
 */
export class PostgresListener {
  readonly #url: string;
  readonly #handlers = new Map<string, Set<Handler>>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #closed = false;
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(url: string) {
    this.#url = url;
  }

  async listen(channel: string, handler: Handler): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    const first = handlers === undefined;
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    await this.#ensureConnected();
    if (first && this.#client) await this.#client.query(`LISTEN ${quoteChannel(channel)}`);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0) {
        this.#handlers.delete(channel);
        await this.#client?.query(`UNLISTEN ${quoteChannel(channel)}`).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  #ensureConnected(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#connecting ??= this.#connect(0).finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect(failures: number): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, application_name: "steward-listener" });
    client.on("notification", (message) => {
      for (const handler of this.#handlers.get(message.channel) ?? []) handler(message.payload ?? "");
    });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${quoteChannel(channel)}`);
      this.#client = client;
      if (failures > 0) this.#wakeEveryone();
    } catch {
      await client.end().catch(() => {});
      if (this.#closed) return;
      const delay = Math.min(5_000, 100 * 2 ** failures);
      await new Promise<void>((resolve) => {
        this.#retryTimer = setTimeout(resolve, delay);
      });
      return this.#connect(failures + 1);
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = null;
    client.end().catch(() => {});
    this.#connecting ??= this.#connect(1).finally(() => {
      this.#connecting = null;
    });
  }

  #wakeEveryone(): void {
    for (const handlers of this.#handlers.values()) for (const handler of handlers) handler("");
  }
}

/** Channel names are Steward's own constants; quoted anyway, never taken from input. */
function quoteChannel(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`;
}
