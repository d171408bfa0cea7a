import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { measureTasks } from "../../telemetry/task-measures.ts";
import { statsQuerySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/** Measures of finished attempts over a window, from the rollups: what `steward stats` shows. */
export const statsRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/stats", async (request) =>
    measureTasks(deps.db, deps.clock, parseRequest(statsQuerySchema, request.query, "query string")),
  );
};
