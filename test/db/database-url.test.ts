import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configSchema } from "../../src/config/config-schema.ts";
import { parseDatabaseUrl, redactDatabaseUrl } from "../../src/db/database-url.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { isStewardError } from "../../src/errors.ts";

describe("database URLs", () => {
  it("parses the three kinds", () => {
    assert.deepEqual(parseDatabaseUrl("pglite:memory"), { kind: "pglite", dataDir: null });
    assert.deepEqual(parseDatabaseUrl("pglite:./data/db", "/srv/app"), {
      kind: "pglite",
      dataDir: "/srv/app/data/db",
    });
    assert.deepEqual(parseDatabaseUrl("pglite:/var/lib/steward"), {
      kind: "pglite",
      dataDir: "/var/lib/steward",
    });
    assert.deepEqual(parseDatabaseUrl("postgres://u@db:5432/steward"), {
      kind: "postgres",
      url: "postgres://u@db:5432/steward",
    });
    assert.equal(parseDatabaseUrl("postgresql://u@db/steward").kind, "postgres");
  });

  it("refuses other schemes, saying what is allowed, without showing the password", () => {
    assert.throws(
      () => parseDatabaseUrl("mysql://root:hunter2@db/steward"),
      (error) =>
        isStewardError(error, "database_url_invalid") &&
        /scheme is not supported/.test(error.message) &&
        /pglite:memory/.test(error.message) &&
        !error.message.includes("hunter2"),
    );
    assert.throws(() => parseDatabaseUrl("pglite:"), /needs a folder/);
  });

  it("redacts passwords in URLs and in query parameters", () => {
    assert.equal(redactDatabaseUrl("postgres://app:s3cret@db:5432/x"), "postgres://app:****@db:5432/x");
    assert.equal(
      redactDatabaseUrl("postgres://db/x?password=s3cret&sslmode=require"),
      "postgres://db/x?password=****&sslmode=require",
    );
    assert.equal(redactDatabaseUrl("pglite:./db"), "pglite:./db");
  });

  it("retries an unreachable PostgreSQL with backoff, then fails naming it (without the password)", async () => {
    const delays: number[] = [];
    const warnings: string[] = [];
    const logger = { warn: (_: unknown, message: string) => warnings.push(message) } as never;
    const config = configSchema.parse({
      database: {
        url: "postgres://app:s3cret@127.0.0.1:1/nowhere",
        connect: { attempts: 4, initialDelayMs: 100, maxDelayMs: 250 },
      },
    }).database;
    await assert.rejects(
      openDatabase({ config, logger, sleep: async (ms) => void delays.push(ms) }),
      (error) =>
        isStewardError(error, "database_unreachable") &&
        /postgres:\/\/app:\*\*\*\*@127\.0\.0\.1:1\/nowhere is unreachable after 4 attempts/.test(
          error.message,
        ) &&
        !error.message.includes("s3cret"),
    );
    assert.deepEqual(delays, [100, 200, 250]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /retrying in 100 ms \(attempt 1 of 4\)/);
  });
});
