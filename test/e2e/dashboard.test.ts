import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { backend } from "../support/test-database.ts";
import { openDashboard } from "./dashboard-fixture.ts";

/**
 * The dashboard in a real browser against the real server on a real socket: it must show a
 * clean schema, then notice drift made behind its back within a few refreshes.
 * Screenshots go to a temp folder, removed afterwards unless STEWARD_TEST_KEEP_SCREENSHOTS=1.
 */

// One refresh is 5 s; a drift check takes about 1 s. Three refreshes is ample.
const driftVisibleWithinMs = 20_000;

test("the status page shows a clean schema, then the drift made by hand", { timeout: 120_000 }, async (t) => {
  const { db, deps, url, page, pageErrors, shots } = await openDashboard(t);

  await page.goto(url);
  const schemaStatus = page.getByTestId("schema-status");
  await schemaStatus.filter({ hasText: "clean" }).waitFor({ timeout: 15_000 });
  assert.equal(
    await page.getByTestId("database-mode").textContent(),
    backend === "pglite" ? "Embedded (PGlite)" : "PostgreSQL",
  );
  assert.equal(await page.getByTestId("migrations-applied").textContent(), String(deps.migrations.length));
  assert.equal(await page.getByTestId("migrations-pending").textContent(), "0");
  assert.equal(await page.getByTestId("drift-row").count(), 0);
  await page.screenshot({ path: path.join(shots, "clean.png"), fullPage: true });

  // Drift made behind Steward's back: a column the first migration creates.
  await db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  await schemaStatus.filter({ hasText: "drift" }).waitFor({ timeout: driftVisibleWithinMs });
  const row = page.getByTestId("drift-row").filter({ hasText: "ai_model" });
  await row.first().waitFor({ timeout: 5_000 });
  assert.match((await row.first().locator("code").textContent()) ?? "", /ADD COLUMN.*ai_model/);
  await page.screenshot({ path: path.join(shots, "drift.png"), fullPage: true });

  assert.deepEqual(pageErrors, [], "the page logged errors");
});
