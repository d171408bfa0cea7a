import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import { listBreaches } from "../../telemetry/target-breaches.ts";
import { breachesQuerySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/** The breaches of the targets (telemetry.targets) that the workers recorded: what `steward targets` lists. */
export const targetRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/targets/breaches", async (request) => {
    const query = parseRequest(breachesQuerySchema, request.query, "query string");
    const since = query.since === undefined ? undefined : parseSince(query.since, deps.clock.now());
    return { breaches: await listBreaches(deps.db, { open: query.open, since, limit: query.limit }) };
  });
};
