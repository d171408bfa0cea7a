import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";

/**
 * Prometheus's scrape target, in the text exposition format. Open without the local token, like
 * /api/status and /api/overview: it only reads, and its labels hold stages, kinds, models and
 * statuses, never a task id or a payload (src/telemetry/label-limits.ts). Always 200: a scrape
 * whose database read fails still carries the process metrics (src/telemetry/database-gauges.ts).
 */
export const metricsRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/metrics", async (_request, reply) => {
    const { contentType, text } = await deps.metrics.scrape();
    return reply.type(contentType).send(text);
  });
};
