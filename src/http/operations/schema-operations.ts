import {
  backfillBodySchema,
  backfillParamsSchema,
  migrateBodySchema,
  planQuerySchema,
  repairBodySchema,
} from "../operation-schemas.ts";
import { type ApiOperation, invalid, localOnly } from "./api-operation.ts";

/** The operations on the schema: migrations, the doctor, backfills. */
export const schemaOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/migrations",
    summary: "Every migration: applied, pending, changed since applied (`steward migrate status`)",
    tag: "schema",
    responses: { 200: "`{ states, applied, pending, changed, unknown, current }`" },
  },
  {
    method: "get",
    path: "/api/migrations/plan",
    summary: "The SQL that up (or down) would run; changes nothing (`steward migrate plan`)",
    tag: "schema",
    query: planQuerySchema,
    responses: { 200: "`{ steps: [{ version, name, direction, sql }], error? }`", 400: invalid },
  },
  {
    method: "post",
    path: "/api/migrations/up",
    summary: "Apply pending migrations (`steward migrate up`)",
    tag: "schema",
    body: migrateBodySchema,
    localTokenOnly: true,
    responses: { 200: "`{ steps, error? }`: a failed run is a value", 400: invalid, 403: localOnly },
  },
  {
    method: "post",
    path: "/api/migrations/down",
    summary: "Revert migrations (`steward migrate down --yes`)",
    tag: "schema",
    body: migrateBodySchema,
    localTokenOnly: true,
    responses: { 200: "`{ steps, error? }`", 400: invalid, 403: localOnly },
  },
  {
    method: "post",
    path: "/api/migrations/repair",
    summary: "Accept the current files of migrations changed since applied (`steward migrate repair`)",
    tag: "schema",
    body: repairBodySchema,
    localTokenOnly: true,
    responses: { 200: "`{ accepted }`", 400: invalid, 403: localOnly },
  },
  {
    method: "get",
    path: "/api/doctor",
    summary: "The schema doctor's report: drift, repairs, pending migrations (`steward doctor`)",
    tag: "schema",
    responses: { 200: "`{ database, migrations, differences, repairable, manual, status }`" },
  },
  {
    method: "post",
    path: "/api/doctor/fix",
    summary: "Apply the automatic repairs in one transaction, then report again (`steward doctor --fix`)",
    tag: "schema",
    localTokenOnly: true,
    responses: { 200: "The report after, with `applied` and `error?`", 403: localOnly },
  },
  {
    method: "get",
    path: "/api/backfills",
    summary: "The backfills Steward knows (`steward backfill list`)",
    tag: "schema",
    responses: { 200: "`{ backfills: [{ name, description }] }`" },
  },
  {
    method: "post",
    path: "/api/backfills/{name}/run",
    summary:
      "Run or resume a backfill, answering JSON Lines of progress, then the result (`steward backfill <name>`)",
    tag: "schema",
    params: backfillParamsSchema,
    body: backfillBodySchema,
    localTokenOnly: true,
    ndjsonAnswer: true,
    responses: {
      200: 'JSON Lines: `{"progress"}` after each batch, then `{"result"}` or `{"error"}`',
      400: invalid,
      403: localOnly,
      404: "No such backfill",
    },
  },
];
