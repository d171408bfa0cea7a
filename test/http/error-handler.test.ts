import assert from "node:assert/strict";
import { test } from "node:test";
import { StewardError, type StewardErrorCode } from "../../src/errors.ts";
import { statusForCode, toErrorResponse } from "../../src/http/error-handler.ts";

test("every StewardError code has its HTTP status", () => {
  const expected: Record<StewardErrorCode, number> = {
    validation_failed: 400,
    not_found: 404,
    not_permitted: 403,
    conflict: 409,
    idempotency_conflict: 409,
    database_unreachable: 503,
    database_missing: 503,
    config_invalid: 500,
    database_url_invalid: 500,
    migration_invalid: 500,
    migration_checksum_mismatch: 500,
    migration_failed: 500,
    migrations_pending: 503,
  };
  for (const [code, status] of Object.entries(expected)) {
    assert.equal(statusForCode(code as StewardErrorCode), status, code);
  }
});

test("a StewardError keeps its code, message and details", () => {
  const error = new StewardError("not_found", "No task 42. List tasks with GET /api/tasks.", {
    details: { taskId: 42 },
  });
  assert.deepEqual(toErrorResponse(error), {
    statusCode: 404,
    body: { error: { code: "not_found", message: error.message, details: { taskId: 42 } } },
    logLevel: "debug",
  });
  const down = toErrorResponse(new StewardError("database_unreachable", "The database did not answer."));
  assert.equal(down.statusCode, 503);
  assert.equal(down.logLevel, "error");
});

test("a Fastify validation error is a 400 listing each issue", () => {
  const error = Object.assign(new Error("body/name must be string"), {
    statusCode: 400,
    code: "FST_ERR_VALIDATION",
    validationContext: "body",
    validation: [
      {
        keyword: "type",
        instancePath: "/name",
        schemaPath: "#/properties/name/type",
        params: {},
        message: "must be string",
      },
    ],
  });
  assert.deepEqual(toErrorResponse(error), {
    statusCode: 400,
    body: {
      error: {
        code: "validation_failed",
        message: "body/name must be string",
        details: { context: "body", issues: [{ path: "/name", message: "must be string" }] },
      },
    },
    logLevel: "debug",
  });
});

test("Fastify's client errors keep their 4xx status, in Steward's words when Steward knows them", () => {
  const error = Object.assign(new Error("Unsupported Media Type: text/csv"), {
    statusCode: 415,
    code: "FST_ERR_CTP_INVALID_MEDIA_TYPE",
  });
  const response = toErrorResponse(error, {
    method: "POST",
    url: "/api/tasks",
    headers: { "content-type": "text/csv" },
  });
  assert.equal(response.statusCode, 415);
  assert.deepEqual(response.body.error, {
    code: "unsupported_media_type",
    message:
      "The content type text/csv is not supported: send the body as JSON, with Content-Type: application/json.",
  });
  const other = toErrorResponse(
    Object.assign(new Error("Some other refusal"), { statusCode: 422, code: "FST_X" }),
  );
  assert.equal(other.statusCode, 422);
  assert.deepEqual(other.body.error, { code: "request_invalid", message: "Some other refusal" });
});

test("any other error is a 500 whose message never reaches the client", () => {
  for (const error of [
    new Error("password authentication failed for user steward (password=hunter2)"),
    Object.assign(new Error("boom hunter2"), { statusCode: 502 }),
    "a thrown string hunter2",
    null,
  ]) {
    const response = toErrorResponse(error);
    assert.equal(response.statusCode, 500);
    assert.equal(response.body.error.code, "internal_error");
    assert.doesNotMatch(JSON.stringify(response.body), /hunter2/);
    assert.equal(response.logLevel, "error");
  }
});
