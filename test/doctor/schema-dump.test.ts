import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { renderSchemaDump } from "../../src/doctor/schema-dump.ts";

it("docs/schema.sql is what the migrations produce (run `npm run schema:dump` after changing a migration)", async () => {
  const committed = readFileSync(new URL("../../docs/schema.sql", import.meta.url), "utf8");
  const current = await renderSchemaDump();
  assert.ok(current.includes("ai_model text"), "the dump shows execution_tasks.ai_model");
  assert.equal(
    committed,
    current,
    "docs/schema.sql is stale: run `npm run schema:dump` and commit the result",
  );
});
