import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { StewardError } from "../../errors.ts";
import { addExpenses, importExpenses, listExpenses, removeExpenses } from "../../money/expenses.ts";
import { ledgerOf, moneySeriesOf, roiReport, stripeEventsOf } from "../../money/money-queries.ts";
import { stripeAccessOf } from "../../money/stripe-api.ts";
import { importStripePage } from "../../money/stripe-import.ts";
import { reprocessStripeEvents } from "../../money/stripe-processing.ts";
import { replayStripeEvents } from "../../money/stripe-replay.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import { requireLocalToken } from "../local-token.ts";
import {
  expensesBodySchema,
  importExpensesQuerySchema,
  ledgerQuerySchema,
  moneySeriesQuerySchema,
  removeExpensesBodySchema,
  replayBodyLimitBytes,
  replayBodySchema,
  reprocessBodySchema,
  roiQuerySchema,
  stripeEventsQuerySchema,
  stripeImportBodySchema,
} from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/**
 * Money: the Stripe inbox's events and their state (`steward stripe events`), replaying a file of
 * events (`steward stripe replay`), the ledger (`steward money ledger`), expenses
 * (`steward expense …`).
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
  // Carries the CLI's Stripe key (never answered or logged): the local CLI only.
  app.post("/api/stripe/import", { preHandler: requireLocalToken(localToken) }, async (request) => {
    const { since, process, ...access } = parseRequest(stripeImportBodySchema, request.body, "body");
    return importStripePage(deps, access, {
      process,
      since: since === undefined ? undefined : parseSince(since, deps.clock.now()),
    });
  });
  app.post("/api/expenses", async (request, reply) => {
    const { expenses } = parseRequest(expensesBodySchema, request.body, "body");
    return reply.code(201).send({ expenses: await addExpenses(deps.db, expenses, deps.clock.now()) });
  });
  app.get("/api/expenses", async () => ({ expenses: await listExpenses(deps.db) }));
  app.post("/api/expenses/remove", async (request) => {
    const { ids } = parseRequest(removeExpensesBodySchema, request.body, "body");
    return removeExpenses(deps.db, ids, deps.clock.now());
  });
  // A CSV with a header row; every bad row named by line and column.
  app.register(async (csv) => {
    csv.addContentTypeParser(
      "text/csv",
      { parseAs: "string", bodyLimit: 16 * 1024 * 1024 },
      (_r, body, done) => done(null, body),
    );
    csv.post("/api/expenses/import", { bodyLimit: 16 * 1024 * 1024 }, async (request, reply) => {
      const { skipBadRows } = parseRequest(importExpensesQuerySchema, request.query, "query string");
      if (typeof request.body !== "string")
        throw new StewardError(
          "validation_failed",
          "POST /api/expenses/import takes a CSV with a header row: send it with Content-Type: text/csv.",
        );
      const text = request.body;
      const result = await importExpenses(deps.db, text, { skipBadRows, today: deps.clock.now() });
      return reply.code(result.added > 0 ? 201 : 200).send(result);
    });
  });
  app.post("/api/stripe/events/reprocess", async (request) => {
    const query = parseRequest(reprocessBodySchema, request.body, "body");
    return reprocessStripeEvents(deps.db, { ...query, api: stripeAccessOf(deps.config.stripe) });
  });
  app.get("/api/stripe/events", async (request) =>
    stripeEventsOf(deps.db, parseRequest(stripeEventsQuerySchema, request.query, "query string")),
  );
  app.get("/api/money/roi", async (request) => {
    const { since, until, ...query } = parseRequest(roiQuerySchema, request.query, "query string");
    const now = deps.clock.now();
    return roiReport(
      deps.db,
      deps.config,
      {
        ...query,
        since: since === undefined ? undefined : parseSince(since, now),
        until: until === undefined ? undefined : parseSince(until, now),
      },
      now,
    );
  });
  app.get("/api/money/series", async (request) => {
    const { since, until, mode } = parseRequest(moneySeriesQuerySchema, request.query, "query string");
    const now = deps.clock.now();
    return moneySeriesOf(
      deps.db,
      deps.config,
      {
        mode,
        since: since === undefined ? undefined : parseSince(since, now),
        until: until === undefined ? undefined : parseSince(until, now),
      },
      now,
    );
  });
  app.get("/api/money/ledger", async (request) => {
    const { since, ...query } = parseRequest(ledgerQuerySchema, request.query, "query string");
    return ledgerOf(deps.db, deps.config.stripe, {
      ...query,
      since: since === undefined ? undefined : parseSince(since, deps.clock.now()),
    });
  });
};
