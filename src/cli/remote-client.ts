import { Readable } from "node:stream";
import { StewardError, type StewardErrorCode } from "../errors.ts";
import { actorHeader } from "../http/request-actor.ts";
import type { Actor } from "../tasks/operator-actions.ts";
import type { StewardClient } from "./steward-client.ts";

/**
 * The CLI's path through a running `steward start` (which holds the embedded database, so no
 * other process may open it): each operation is one request to that process's API, whose route
 * calls the same engine function the local path calls. Errors come back as the API's
 * `{ error: { code, message, details } }` and are thrown again as the same StewardError.
 * The pairs are listed in README ("The CLI and the API").
 */
export function remoteClient(server: {
  url: string;
  token: string;
  pid: number;
  database: string;
}): StewardClient {
  const call = <T>(method: "GET" | "POST", path: string, options: RequestOptions = {}) =>
    request<T>(server, method, path, options);
  const json = <T>(path: string, body: unknown) => call<T>("POST", path, { body });
  return {
    database: server.database,
    via: { pid: server.pid, url: server.url },
    close: async () => {},
    status: () => call("GET", "/api/status"),
    models: () => call("GET", "/api/models"),
    indicators: (request) =>
      call("GET", "/api/indicators", {
        query: { since: request.since, until: request.until, indicator: request.indicators?.join(",") },
      }),
    alerts: async (options) =>
      (
        await call<{ alerts: never }>("GET", "/api/alerts", {
          query: {
            open: options.open === undefined ? undefined : String(options.open),
            limit: options.limit,
          },
        })
      ).alerts,
    replayStripeEvents: (events, process) => json("/api/stripe/replay", { events, process }),
    roi: (query) =>
      call("GET", "/api/money/roi", {
        query: {
          by: query.by,
          since: query.since?.toISOString(),
          until: query.until?.toISOString(),
          mode: query.mode,
        },
      }),
    reprocessStripeEvents: (query) => json("/api/stripe/events/reprocess", query),
    importStripePage: (access, options) =>
      json("/api/stripe/import", {
        ...access,
        since: options.since?.toISOString(),
        process: options.process,
      }),
    addExpenses: async (inputs) =>
      (await json<{ expenses: never }>("/api/expenses", { expenses: inputs })).expenses,
    listExpenses: async () => (await call<{ expenses: never }>("GET", "/api/expenses")).expenses,
    removeExpenses: (ids) => json("/api/expenses/remove", { ids }),
    importExpenses: (csv, skipBadRows) =>
      call("POST", "/api/expenses/import", {
        query: { skipBadRows: skipBadRows ? "true" : undefined },
        stream: Readable.from([csv]),
        contentType: "text/csv",
      }),
    stripeEvents: (query) => call("GET", "/api/stripe/events", { query: { ...query } }),
    ledger: (query) =>
      call("GET", "/api/money/ledger", {
        query: { since: query.since?.toISOString(), idea: query.idea, mode: query.mode, limit: query.limit },
      }),
    stats: (request) =>
      call("GET", "/api/stats", {
        query: {
          since: request.since,
          until: request.until,
          by: request.by,
          stage: request.stage?.join(","),
          kind: request.kind?.join(","),
          model: request.model?.join(","),
        },
      }),
    breaches: async (query) =>
      (
        await call<{ breaches: never }>("GET", "/api/targets/breaches", {
          query: {
            open: query.open === undefined ? undefined : String(query.open),
            since: query.since?.toISOString(),
            limit: query.limit,
          },
        })
      ).breaches,
    listTasks: async (filter) =>
      (
        await call<{ tasks: never }>("GET", "/api/tasks", {
          query: {
            status: filter.status?.join(","),
            kind: filter.kind?.join(","),
            stage: filter.stage,
            search: filter.search,
            before: filter.beforeId,
            limit: filter.limit,
          },
        })
      ).tasks,
    getTask: async (id) => (await call<{ task: never }>("GET", `/api/tasks/${id}`)).task,
    addTasks: async (inputs) => (await json<{ tasks: never }>("/api/tasks", { tasks: inputs })).tasks,
    importTasks: (source, name) =>
      call("POST", "/api/tasks/import", {
        query: { name },
        stream: source,
        contentType: "application/x-ndjson",
      }),
    cancelTasks: (ids, reason) => json("/api/tasks/cancel", { ids, reason }),
    retryTasks: (ids, attempts) => json("/api/tasks/retry", { ids, attempts }),
    deadTasks: (options) =>
      call("GET", "/api/tasks/dead", { query: { kind: options.kinds?.join(","), limit: options.limit } }),
    retryAllDead: (options) => json("/api/tasks/retry-dead", options),
    pauseKinds: (kinds, reason) => json("/api/kinds/pause", { kinds, reason }),
    resumeKinds: (kinds) => json("/api/kinds/resume", { kinds }),
    kinds: async () => (await call<{ kinds: never }>("GET", "/api/kinds")).kinds,
    migrationStatus: () => call("GET", "/api/migrations"),
    migrateUp: (to) => json("/api/migrations/up", { to }),
    migrateDown: (to) => json("/api/migrations/down", { to }),
    planMigrations: (options) => call("GET", "/api/migrations/plan", { query: options }),
    repairMigrations: (versions) => json("/api/migrations/repair", { versions }),
    doctor: () => call("GET", "/api/doctor"),
    fixSchema: () => json("/api/doctor/fix", {}),
    runBackfill: (name, options) => runBackfillRemotely(server, name, options),
    fsarRun: (actor) => call("POST", "/api/fsar/run", { actor }),
    fsarList: async (options) =>
      (await call<{ reports: never }>("GET", "/api/fsar", { query: { ...options } })).reports,
    fsarShow: (id) => call("GET", `/api/fsar/${encodeURIComponent(id)}`),
    fsarAck: (id, actor) => call("POST", `/api/fsar/${encodeURIComponent(id)}/ack`, { actor }),
    fsarFindings: async (options) =>
      (await call<{ findings: never }>("GET", "/api/fsar/findings", { query: { ...options } })).findings,
    fsarResolve: (key, actor, reason) =>
      call("POST", "/api/fsar/findings/resolve", { body: { key, reason }, actor }),
    fsarImport: (text, source, actor) =>
      call("POST", "/api/fsar", {
        query: { source },
        stream: Readable.from([text]),
        contentType: "text/plain; charset=utf-8",
        actor,
      }),
    fsarPlan: (id, enqueue, actor) =>
      call("POST", `/api/fsar/${encodeURIComponent(id)}/plan`, { body: { enqueue }, actor }),
    gate: () => call("GET", "/api/gate"),
    closeGate: (kinds, reason, actor) => call("POST", "/api/gate/close", { body: { kinds, reason }, actor }),
    openGate: (kinds, reason, actor) => call("POST", "/api/gate/open", { body: { kinds, reason }, actor }),
    operatorActions: async (options) =>
      (await call<{ actions: never }>("GET", "/api/operator-actions", { query: { ...options } })).actions,
  };
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  stream?: Readable;
  contentType?: string;
  signal?: AbortSignal;
  /** Who asks (the OS user): the server believes it because the request carries the local token. */
  actor?: Actor;
}

async function send(
  server: { url: string; token: string; pid: number },
  method: "GET" | "POST",
  path: string,
  options: RequestOptions,
): Promise<Response> {
  const url = new URL(path, server.url);
  for (const [key, value] of Object.entries(options.query ?? {}))
    if (value !== undefined) url.searchParams.set(key, String(value));
  const headers: Record<string, string> = { authorization: `Bearer ${server.token}` };
  if (options.actor) headers[actorHeader] = options.actor.name;
  let body: string | ReadableStream | undefined;
  if (options.stream) {
    headers["content-type"] = options.contentType ?? "application/octet-stream";
    body = Readable.toWeb(options.stream) as ReadableStream;
  } else if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  try {
    // `duplex` is required by Node's fetch for a streamed body.
    return await fetch(url, { method, headers, body, signal: options.signal, duplex: "half" } as RequestInit);
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new StewardError(
      "database_unreachable",
      `The steward start (process ${server.pid}) that holds the embedded database did not answer at ${server.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). If it is stopping, run the command again once it has stopped.`,
      { details: { pid: server.pid, url: server.url }, cause: error },
    );
  }
}

async function request<T>(
  server: { url: string; token: string; pid: number },
  method: "GET" | "POST",
  path: string,
  options: RequestOptions,
): Promise<T> {
  const response = await send(server, method, path, options);
  const text = await response.text();
  let value: unknown;
  try {
    value = text === "" ? undefined : JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!response.ok) throw errorFrom(response.status, value, `${method} ${path}`);
  return value as T;
}

/** The API's error body, thrown again as the StewardError the engine threw in the server. */
function errorFrom(status: number, value: unknown, what: string): StewardError {
  const error = (value as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    ?.error;
  if (error?.code && error.message)
    return new StewardError(error.code as StewardErrorCode, error.message, { details: error.details });
  return new StewardError(
    "database_unreachable",
    `The running steward start answered ${what} with HTTP ${status} and no error body.`,
  );
}

type RemoteBackfill = StewardClient["runBackfill"];

async function runBackfillRemotely(
  server: { url: string; token: string; pid: number },
  name: string,
  options: Parameters<RemoteBackfill>[1],
): ReturnType<RemoteBackfill> {
  // Ctrl-C closes the connection; the server then stops after the batch in flight.
  const response = await send(server, "POST", `/api/backfills/${encodeURIComponent(name)}/run`, {
    body: { batchSize: options.batchSize, restart: options.restart },
    signal: options.signal,
  }).catch((error: Error) => {
    if (error.name === "AbortError") return null;
    throw error;
  });
  if (response === null) return interrupted(name);
  if (!response.ok || response.body === null) {
    const text = await response.text();
    throw errorFrom(response.status, safeParse(text), `backfill ${name}`);
  }
  let buffered = "";
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += Buffer.from(chunk).toString("utf8");
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = safeParse(buffered.slice(0, newline)) as Record<string, never> | undefined;
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        if (line?.progress) options.onProgress?.(line.progress);
        else if (line?.result) return line.result;
        else if (line?.error) throw errorFrom(500, line, `backfill ${name}`);
      }
    }
  } catch (error) {
    if ((error as Error).name === "AbortError") return interrupted(name);
    throw error;
  }
  if (options.signal?.aborted) return interrupted(name);
  throw new StewardError(
    "database_unreachable",
    `The running steward start stopped answering during backfill ${name}; run it again to resume.`,
  );
}

/** What the CLI knows when it let go first: the server stops after its batch and keeps the cursor. */
function interrupted(name: string): Awaited<ReturnType<RemoteBackfill>> {
  return { name, status: "interrupted", resumedFrom: 0, batches: 0, rowsSeen: 0, rowsChanged: 0 };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
