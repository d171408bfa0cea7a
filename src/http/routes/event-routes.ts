import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { TaskEventStream } from "../task-event-stream.ts";

/** Live updates for the dashboard, as server-sent events (see TaskEventStream). */
export const eventRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  const stream = new TaskEventStream(deps, deps.logger.child({ component: "http" }), {
    intervalMs: 1_000,
    minGapMs: 250,
    newestTasks: 20,
  });
  // Before the server stops accepting: it would otherwise wait for these endless responses.
  app.addHook("preClose", async () => stream.close());

  app.get("/api/events", (_request, reply) => {
    // The response is written by the stream from here on; Fastify no longer sends it.
    reply.hijack();
    stream.add(reply.raw);
  });
};
