import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { ledgerOf, stripeEventsOf } from "../../money/money-queries.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import { ledgerQuerySchema, stripeEventsQuerySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/** Money: the Stripe inbox's events and their state (`steward stripe events`), the ledger (`steward money ledger`). */
export const moneyRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/stripe/events", async (request) =>
    stripeEventsOf(deps.db, parseRequest(stripeEventsQuerySchema, request.query, "query string")),
  );
  app.get("/api/money/ledger", async (request) => {
    const { since, ...query } = parseRequest(ledgerQuerySchema, request.query, "query string");
    return ledgerOf(deps.db, deps.config.stripe, {
      ...query,
      since: since === undefined ? undefined : parseSince(since, deps.clock.now()),
    });
  });
};
