import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { getModelsStatus } from "../../models/model-status.ts";

/** Models and their live state: what `steward models` and the dashboard's Models page show. */
export const modelRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/models", async () => getModelsStatus(deps.db, deps.models));
};
