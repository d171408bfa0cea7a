import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Deps } from "../app/deps.ts";
import { listTasks } from "../tasks/query-tasks.ts";
import type { TaskView } from "../tasks/task.ts";
import { tasksReadyChannel } from "../tasks/task-notifications.ts";
import { getTaskStats, type TaskStats } from "../tasks/task-stats.ts";
import { readAlertDigest } from "../telemetry/alert-digest.ts";

/** A task in a list: without its payload and result, which may be large (see tasks.maxPayloadBytes). */
export type TaskSummary = Omit<TaskView, "payload" | "result">;

/** The data of each `tasks` event. */
export interface TasksEvent {
  stats: TaskStats;
  /** The newest tasks, newest first. */
  tasks: TaskSummary[];
}

export interface TaskEventStreamOptions {
  /** How often the snapshot is read and sent while anyone listens. */
  intervalMs: number;
  /** After a NOTIFY, the next read waits at least this long after the previous one began. */
  minGapMs: number;
  newestTasks: number;
}

/**
 * Server-sent events for the dashboard. One snapshot (stats and the newest tasks) is read for
 * all listeners, every `intervalMs` and soon after new work is queued (NOTIFY), so that the
 * database's load does not grow with the number of open dashboards. Each read also sends an
 * `alerts` event, the alerts on trend change in brief (AlertDigest). Nothing runs while no one
 * listens. Completions send no NOTIFY: they show at the next interval.
 */
export class TaskEventStream {
  readonly #deps: Pick<Deps, "db" | "kinds">;
  readonly #logger: Logger;
  readonly #options: TaskEventStreamOptions;
  readonly #clients = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | null = null;
  #soon: NodeJS.Timeout | null = null;
  #unlisten: Promise<(() => Promise<void>) | null> | null = null;
  #reading: Promise<void> | null = null;
  #readAgain = false;
  #lastReadAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(deps: Pick<Deps, "db" | "kinds">, logger: Logger, options: TaskEventStreamOptions) {
    this.#deps = deps;
    this.#logger = logger;
    this.#options = options;
  }

  get listeners(): number {
    return this.#clients.size;
  }

  /** Takes over a response: headers now, then an event per snapshot until either side closes. */
  add(response: ServerResponse): void {
    if (this.#closed) {
      response.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("Server closing.\n");
      return;
    }
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Proxies such as nginx would otherwise hold events back in their buffers.
      "x-accel-buffering": "no",
    });
    // EventSource reconnects by itself after this many ms when the connection drops.
    response.write("retry: 2000\n\n");
    this.#clients.add(response);
    response.on("close", () => this.#remove(response));
    if (this.#clients.size === 1) this.#start();
    this.#readSoon();
  }

  /** Ends every stream and stops reading; called before the server closes (it would wait for them). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const response of [...this.#clients]) response.end();
    this.#clients.clear();
    await this.#stop();
    // The database may be closed next: let a read under way finish first.
    await this.#reading;
  }

  #remove(response: ServerResponse): void {
    if (!this.#clients.delete(response)) return;
    if (this.#clients.size === 0) void this.#stop();
  }

  #start(): void {
    this.#timer = setInterval(() => this.#readSoon(), this.#options.intervalMs);
    this.#unlisten = this.#deps.db
      .listen(tasksReadyChannel, () => this.#readSoon())
      .catch((error) => {
        // Polling alone still keeps the dashboard current, one interval behind.
        this.#logger.warn({ err: error }, "task events: cannot listen for new tasks; polling only");
        return null;
      });
  }

  async #stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#soon) clearTimeout(this.#soon);
    this.#timer = this.#soon = null;
    // Taken before waiting: a listener who arrives meanwhile starts a listen of its own.
    const pending = this.#unlisten;
    this.#unlisten = null;
    const unlisten = await pending;
    await unlisten?.().catch(() => {});
  }

  /** Reads now, or as soon as the previous read is done and `minGapMs` has passed since it began. */
  #readSoon(): void {
    if (this.#clients.size === 0 || this.#soon !== null) return;
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    const wait = Math.max(0, this.#lastReadAt + this.#options.minGapMs - performance.now());
    this.#soon = setTimeout(() => {
      this.#soon = null;
      this.#reading = this.#read().finally(() => {
        this.#reading = null;
        if (this.#readAgain) {
          this.#readAgain = false;
          this.#readSoon();
        }
      });
    }, wait);
  }

  async #read(): Promise<void> {
    if (this.#clients.size === 0) return;
    // A gap between reads, not a time: the monotonic timer, which no clock change moves.
    this.#lastReadAt = performance.now();
    try {
      const [stats, tasks] = await Promise.all([
        getTaskStats(this.#deps),
        listTasks(this.#deps.db, { limit: this.#options.newestTasks }),
      ]);
      const event: TasksEvent = {
        stats,
        tasks: tasks.map(({ payload: _p, result: _r, ...summary }) => summary),
      };
      this.#broadcast("tasks", event);
    } catch (error) {
      this.#logger.warn({ err: error }, "task events: cannot read the tasks");
      // The message may hold SQL or connection details: the dashboard gets a plain one.
      this.#broadcast("unavailable", {
        message: "The tasks could not be read. The server log has the details.",
      });
    }
    // The alerts on trend change, in brief (AlertDigest): the Operations page fetches them again
    // when this moves. Apart from the tasks: a database without telemetry_alerts still streams them.
    try {
      this.#broadcast("alerts", await readAlertDigest(this.#deps.db));
    } catch (error) {
      this.#logger.debug({ err: error }, "task events: cannot read the alerts");
    }
  }

  #broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const response of this.#clients) {
      // A client that does not read (a stalled tab, a dead network) is let go rather than
      // buffered for without end; its EventSource reconnects when it can.
      if (response.writableLength > maxBufferedBytes) response.destroy();
      else response.write(frame);
    }
  }
}

const maxBufferedBytes = 1024 * 1024;
