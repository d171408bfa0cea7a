import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { renderSchemaDump } from "../../src/doctor/schema-dump.ts";

it("docs/schema.sql and migrations/expected-schemas.json are what the migrations produce (run `npm run schema:dump` after changing a migration)", async () => {
  const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
  const current = await renderSchemaDump();
  assert.ok(current.schemaSql.includes("ai_model text"), "the dump shows execution_tasks.ai_model");
  assert.equal(
    read("docs/schema.sql"),
    current.schemaSql,
    "docs/schema.sql is stale: run `npm run schema:dump` and commit the result",
  );
  assert.equal(
    read("migrations/expected-schemas.json"),
    current.expectedSchemas,
    "migrations/expected-schemas.json is stale: run `npm run schema:dump` and commit the result",
  );
});
