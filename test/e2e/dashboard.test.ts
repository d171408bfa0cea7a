import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { defaultWebRoot } from "../../src/http/build-server.ts";
import { startServer } from "../../src/http/start-server.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/**
 * The dashboard in a real browser against the real server on a real socket: it must show a
 * clean schema, then notice drift made behind its back within a few refreshes.
 * Screenshots go to a temp folder, removed afterwards unless STEWARD_TEST_KEEP_SCREENSHOTS=1.
 */

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const webSources = path.join(repoRoot, "web");

// Debian's chromium (never `playwright install`: no network). These flags keep it from
// reaching out to Google services and from needing a sandbox or GPU in containers.
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// One refresh is 5 s; a drift check takes about 1 s. Three refreshes is ample.
const driftVisibleWithinMs = 20_000;

test("the status page shows a clean schema, then the drift made by hand", { timeout: 120_000 }, async (t) => {
  ensureDashboardBuilt();
  const cleanups: (() => Promise<void>)[] = [];
  // In reverse order of creation: browser, then server, then database.
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const testDb = await createTestDatabase();
  cleanups.push(() => testDb.dispose());
  const deps = await testDeps(testDb.db);
  const server = await startServer(deps, { host: "127.0.0.1", port: 0 });
  cleanups.push(() => server.close());
  const browser: Browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
  cleanups.push(() => browser.close());
  const shots = mkdtempSync(path.join(tmpdir(), "steward-dashboard-"));
  cleanups.push(async () => {
    if (process.env.STEWARD_TEST_KEEP_SCREENSHOTS === "1") t.diagnostic(`screenshots kept in ${shots}`);
    else rmSync(shots, { recursive: true, force: true });
  });

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });

  await page.goto(server.url);
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
  await testDb.db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  await schemaStatus.filter({ hasText: "drift" }).waitFor({ timeout: driftVisibleWithinMs });
  const row = page.getByTestId("drift-row").filter({ hasText: "ai_model" });
  await row.first().waitFor({ timeout: 5_000 });
  assert.match((await row.first().locator("code").textContent()) ?? "", /ADD COLUMN.*ai_model/);
  await page.screenshot({ path: path.join(shots, "drift.png"), fullPage: true });

  assert.deepEqual(pageErrors, [], "the page logged errors");
});

/** Builds dist/web when it is missing or older than the dashboard's sources. */
function ensureDashboardBuilt(): void {
  const index = path.join(defaultWebRoot, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newestSourceMtime()) return;
  const vite = path.join(repoRoot, "node_modules", "vite", "bin", "vite.js");
  const build = spawnSync(process.execPath, [vite, "build", "web", "--logLevel", "warn"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.equal(
    build.status,
    0,
    `Building the dashboard failed (run \`npm run build\` to see why):\n${build.stderr}${build.stdout}`,
  );
}

function newestSourceMtime(): number {
  return readdirSync(webSources, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs)
    .reduce((a, b) => Math.max(a, b), 0);
}
