import {
  expensesBodySchema,
  importExpensesQuerySchema,
  ledgerQuerySchema,
  moneySeriesQuerySchema,
  removeExpensesBodySchema,
  replayBodySchema,
  reprocessBodySchema,
  roiQuerySchema,
  stripeEventsQuerySchema,
  stripeImportBodySchema,
} from "../operation-schemas.ts";
import { type ApiOperation, invalid, localOnly } from "./api-operation.ts";

/** The operations on money: Stripe's deliveries, the inbox's events, the ledger. */
export const moneyOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/webhooks/stripe",
    summary:
      "Stripe's webhook endpoint: an event, signed in the Stripe-Signature header with one of stripe.webhookSecrets, stored in the inbox as delivered (the exact bytes), once per event id",
    tag: "money",
    responses: {
      200: "Stored (or stored already: a repeated delivery is acknowledged, not stored twice): `{ received: true, id, duplicate, deliveries }`",
      400: "Refused, nothing stored: `error.details.reason` is no_secret, no_signature, bad_header, signature_mismatch, stale (older than stripe.toleranceSeconds), not_json or not_an_event",
      413: "A body over 1 MiB",
    },
  },
  {
    method: "get",
    path: "/api/stripe/events",
    summary:
      "The Stripe inbox's events, newest first by Stripe's created (status: pending, processed, failed or ignored; type: one event type): each one's state, attempts, error, deliveries and the task that processes it; with every event counted by type and state (`steward stripe events`)",
    tag: "money",
    query: stripeEventsQuerySchema,
    responses: {
      200: "`{ events: [...], counts: [{ type, status, events }] }`",
      400: "A bad status, type or limit",
    },
  },
  {
    method: "get",
    path: "/api/money/ledger",
    summary:
      "The ledger's entries, oldest first (since: 30d or an ISO time; idea: one idea, or unattributed; mode: live, test or all, by default live unless stripe.testEvents is counted): signed amounts in the currency's minor unit, with totals per currency (`steward money ledger`)",
    tag: "money",
    query: ledgerQuerySchema,
    responses: { 200: "`{ mode, entries: [...], totals: [...] }`", 400: "A bad since, idea, mode or limit" },
  },
  {
    method: "post",
    path: "/api/stripe/replay",
    summary:
      "Events an operator vouches for (no signature; up to 500 a request), taken into the inbox by the webhook's path, once per id, and processed at once unless process is false (`steward stripe replay`)",
    tag: "money",
    body: replayBodySchema,
    localTokenOnly: true,
    responses: {
      200: "`{ stored, duplicates, statuses: { processed, failed, ignored } }`",
      400: `${invalid} An item that is not an event is named by its position; nothing is stored.`,
      403: localOnly,
    },
  },
  {
    method: "post",
    path: "/api/expenses",
    summary:
      'Expenses to add, all or nothing: `{ expenses: [{ name, category?, amount: "49.00" | amountMinor: 4900, currency, every?: once|week|month|year, from: YYYY-MM-DD, until?, idea?, stream? }] }`; their occurrences up to today enter the ledger',
    tag: "money",
    body: expensesBodySchema,
    responses: { 201: "`{ expenses: [...] }`", 400: invalid },
  },
  {
    method: "get",
    path: "/api/expenses",
    summary: "The expenses recorded, newest first (`steward expense list`)",
    tag: "money",
    responses: { 200: "`{ expenses: [...] }`" },
  },
  {
    method: "post",
    path: "/api/expenses/remove",
    summary: "Removes expenses by id; their entries leave the ledger (`steward expense remove`)",
    tag: "money",
    body: removeExpensesBodySchema,
    responses: { 200: "`{ removed: [ids], missing: [ids] }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/expenses/import",
    summary:
      "An expenses CSV (text/csv, a header row: name, category, amount, currency, every, from, until, idea, stream): all or nothing, unless skipBadRows=true; every bad row named by line and column (`steward expense import`)",
    tag: "money",
    query: importExpensesQuerySchema,
    responses: {
      201: "`{ added, bad: [{ line, column, message }] }`",
      200: "Nothing added (no rows, or only bad ones skipped)",
      400: "A bad row (without skipBadRows), an unknown column, or a CSV that cannot be read; nothing imported",
    },
  },
  {
    method: "get",
    path: "/api/money/roi",
    summary:
      "ROI = (net revenue − cost) ÷ cost by idea, stream or model (by; default idea) over a period (since: 30d by default, until: now), per currency and converted through money.rates; with the period's metrics: totals, MRR and its movements, churn, ARPA, LTV, the checkout funnel, payment failures, recovered payments, refund and dispute rates, time to first revenue (`steward roi`)",
    tag: "money",
    query: roiQuerySchema,
    responses: {
      200: "`{ roi: { by, since, until, mode, rows, converted }, metrics: {...} }`",
      400: "A bad by, since, until or mode",
    },
  },
  {
    method: "get",
    path: "/api/money/series",
    summary:
      "The ledger by day (UTC) over a period (since: 90d by default, until: now): revenue, refunds, disputes, fees, expenses, AI spend and net per currency, and converted through money.rates (the Money page's charts)",
    tag: "money",
    query: moneySeriesQuerySchema,
    responses: {
      200: "`{ since, until, mode, currencies: [{ currency, days }], converted: { currency, days, missingRates } }`",
      400: "A bad since, until or mode",
    },
  },
  {
    method: "post",
    path: "/api/stripe/import",
    summary:
      "The next page of past events from Stripe's API (GET /v1/events, newest first, since a time), taken into the inbox and processed unless process is false; the cursor is saved, so an interrupted import resumes (`steward stripe import`). The body carries the CLI's Stripe API access (apiKey or apiKeyFile, api host): never answered or logged",
    tag: "money",
    body: stripeImportBodySchema,
    localTokenOnly: true,
    responses: {
      200: "`{ name, events, imported, pages, stored, statuses, reachedAt, since, done, resumedFrom? }`",
      400: "No API key, or Stripe's API refused the request (its reason, keys masked)",
      403: localOnly,
    },
  },
  {
    method: "post",
    path: "/api/stripe/events/reprocess",
    summary:
      "Failed events processed again now, named (`{ ids }`) or all (`{ allFailed: true }`): after an upgrade that reads a shape Steward could not, or for an event whose task gave up (`steward stripe reprocess`)",
    tag: "money",
    body: reprocessBodySchema,
    responses: { 200: "`{ events: [{ id, status, error? }], notFailed: [ids] }`", 400: invalid },
  },
];
