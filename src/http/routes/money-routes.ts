import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { ledgerOf, stripeEventsOf } from "../../money/money-queries.ts";
import { replayStripeEvents } from "../../money/stripe-replay.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import { requireLocalToken } from "../local-token.ts";
import {
  ledgerQuerySchema,
  replayBodyLimitBytes,
  replayBodySchema,
  stripeEventsQuerySchema,
} from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/**
 * Money: the Stripe inbox's events and their state (`steward stripe events`), replaying a file of
 * events (`steward stripe replay`), the ledger (`steward money ledger`).
 */
export const moneyRoutes: FastifyPluginAsync<{ deps: Deps; localToken?: string }> = async (
  app,
  { deps, localToken },
) => {
  // Replayed events carry no signature: only the CLI on this machine may send them.
  app.post(
    "/api/stripe/replay",
    { preHandler: requireLocalToken(localToken), bodyLimit: replayBodyLimitBytes },
    async (request) => {
      const { events, process } = parseRequest(replayBodySchema, request.body, "body");
      return replayStripeEvents(deps, events, { process });
    },
  );
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
