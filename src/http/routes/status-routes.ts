import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { getOverview } from "../../app/overview.ts";
import { getSystemStatus } from "../../app/system-status.ts";

/** What the dashboard's status page shows. Always 200: an unready system is still a status. */
export const statusRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/status", async () => getSystemStatus(deps, { waiting: true }));
  // Live work at a glance, for the landing page: fast, because it does not check the schema.
  app.get("/api/overview", async () => getOverview(deps));
};
