import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { getSystemStatus } from "../../app/system-status.ts";

/** What the dashboard's status page shows. Always 200: an unready system is still a status. */
export const statusRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/status", async () => getSystemStatus(deps));
};
