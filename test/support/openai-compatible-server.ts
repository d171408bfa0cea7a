import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real HTTP server on 127.0.0.1 speaking just enough of OpenAI's chat completions
 * (POST /v1/chat/completions, JSON and server-sent events), of OpenAI's responses
 * (POST /v1/responses, JSON only) and of Anthropic's messages (POST /v1/messages, JSON only) for
 * the provider tests. Each request takes the next behaviour
 * from a queue the test scripts; every request is recorded, with whether the client went away
 * before the answer.
 */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type Behaviour =
  | { type: "reply"; text: string; usage: Usage | null; model?: string }
  | { type: "status"; status: number; headers: Record<string, string>; body: string }
  | { type: "delay"; ms: number; then: Behaviour }
  | { type: "garbage"; body: string };

/** Answers `text`; `usage` null sends no usage at all. */
export const reply = (
  text: string,
  usage: Usage | null = { inputTokens: 11, outputTokens: 7 },
  model?: string,
) => ({ type: "reply", text, usage, ...(model === undefined ? {} : { model }) }) as const satisfies Behaviour;

export const status = (code: number, headers: Record<string, string> = {}, body = "") =>
  ({ type: "status", status: code, headers, body }) as const satisfies Behaviour;

/** Waits `ms` (noticing if the client disconnects meanwhile), then behaves as `then`. */
export const delay = (ms: number, then: Behaviour = reply("late")) =>
  ({ type: "delay", ms, then }) as const satisfies Behaviour;

/** A 200 whose body is not the API's answer (raw, or as one `data:` line when streaming). */
export const garbage = (body: string) => ({ type: "garbage", body }) as const satisfies Behaviour;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** The client closed the connection before the answer was complete. */
  clientAborted: boolean;
}

export interface FakeModelServer {
  /** http://127.0.0.1:PORT/v1, the baseUrl of a provider pointing here. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Queues behaviours for the next requests, in order. */
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: parseJson(raw),
      clientAborted: false,
    };
    requests.push(recorded);
    res.on("close", () => {
      if (!res.writableFinished) recorded.clientAborted = true;
    });
    const behaviour = queue.shift();
    if (behaviour === undefined) {
      send(
        res,
        500,
        {},
        JSON.stringify({ error: { message: "the test scripted no behaviour for this request" } }),
      );
      return;
    }
    respond(req, res, recorded, behaviour);
  });

  function respond(
    req: IncomingMessage,
    res: ServerResponse,
    recorded: RecordedRequest,
    behaviour: Behaviour,
  ) {
    switch (behaviour.type) {
      case "delay": {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) respond(req, res, recorded, behaviour.then);
        }, behaviour.ms);
        timers.add(timer);
        res.on("close", () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      case "status":
        send(res, behaviour.status, behaviour.headers, behaviour.body);
        return;
      case "garbage":
        if (isStreaming(recorded.body)) sendEvents(res, [behaviour.body]);
        else send(res, 200, { "content-type": "application/json" }, behaviour.body);
        return;
      case "reply":
        if (recorded.path.startsWith("/v1/messages")) replyAnthropic(res, recorded.body, behaviour);
        else if (recorded.path.startsWith("/v1/responses")) replyResponses(res, recorded.body, behaviour);
        else if (isStreaming(recorded.body)) replyChatStream(res, recorded.body, behaviour);
        else replyChat(res, recorded.body, behaviour);
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...behaviours) => queue.push(...behaviours),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Reply = Extract<Behaviour, { type: "reply" }>;

function replyChat(res: ServerResponse, body: unknown, behaviour: Reply) {
  const answer = {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: behaviour.model ?? requestedModel(body),
    choices: [{ index: 0, message: { role: "assistant", content: behaviour.text }, finish_reason: "stop" }],
    ...(behaviour.usage === null ? {} : { usage: openAiUsage(behaviour.usage) }),
  };
  send(res, 200, { "content-type": "application/json" }, JSON.stringify(answer));
}

function replyChatStream(res: ServerResponse, body: unknown, behaviour: Reply) {
  const base = {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: behaviour.model ?? requestedModel(body),
  };
  const pieces = behaviour.text.match(/.{1,4}/gs) ?? [];
  const chunks: unknown[] = pieces.map((piece, i) => ({
    ...base,
    choices: [
      {
        index: 0,
        delta: i === 0 ? { role: "assistant", content: piece } : { content: piece },
        finish_reason: null,
      },
    ],
  }));
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  const wantsUsage = (body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage;
  if (wantsUsage && behaviour.usage !== null) {
    chunks.push({ ...base, choices: [], usage: openAiUsage(behaviour.usage) });
  }
  sendEvents(res, [...chunks.map((chunk) => JSON.stringify(chunk)), "[DONE]"]);
}

function replyAnthropic(res: ServerResponse, body: unknown, behaviour: Reply) {
  const answer = {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model: behaviour.model ?? requestedModel(body),
    content: [{ type: "text", text: behaviour.text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage:
      behaviour.usage === null
        ? { input_tokens: 0, output_tokens: 0 }
        : { input_tokens: behaviour.usage.inputTokens, output_tokens: behaviour.usage.outputTokens },
  };
  send(res, 200, { "content-type": "application/json" }, JSON.stringify(answer));
}

/** OpenAI's Responses API (what the `openai` provider type calls), JSON only. */
function replyResponses(res: ServerResponse, body: unknown, behaviour: Reply) {
  const answer = {
    id: "resp_test",
    created_at: 1_700_000_000,
    model: behaviour.model ?? requestedModel(body),
    output: [
      {
        type: "message",
        role: "assistant",
        id: "msg_test",
        content: [{ type: "output_text", text: behaviour.text, annotations: [] }],
      },
    ],
    incomplete_details: null,
    ...(behaviour.usage === null
      ? {}
      : {
          usage: { input_tokens: behaviour.usage.inputTokens, output_tokens: behaviour.usage.outputTokens },
        }),
  };
  send(res, 200, { "content-type": "application/json" }, JSON.stringify(answer));
}

function openAiUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function send(res: ServerResponse, code: number, headers: Record<string, string>, body: string) {
  res.writeHead(code, headers);
  res.end(body);
}

function sendEvents(res: ServerResponse, events: string[]) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const event of events) res.write(`data: ${event}\n\n`);
  res.end();
}

function isStreaming(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { stream?: unknown }).stream === true;
}

function requestedModel(body: unknown): string {
  const model = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
  return typeof model === "string" ? model : "unknown";
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
