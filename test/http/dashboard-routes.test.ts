import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { buildServer } from "../../src/http/build-server.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";

async function serverWithWebRoot(t: TestContext, files: Record<string, string>) {
  const webRoot = mkdtempSync(path.join(tmpdir(), "steward-web-"));
  t.after(() => rmSync(webRoot, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(webRoot, name)), { recursive: true });
    writeFileSync(path.join(webRoot, name), content);
  }
  const testDb = await createTestDatabase(t);
  const app = await buildServer(await testDeps(testDb.db, { migrate: false }), { webRoot });
  t.after(() => app.close());
  return app;
}

test("/ serves the built dashboard, revalidated on each load; hashed assets are cached for good", async (t) => {
  const app = await serverWithWebRoot(t, {
    "index.html": "<!doctype html><title>Steward</title>",
    "assets/index-abc123.js": "console.log(1)",
  });
  const page = await app.inject({ method: "GET", url: "/" });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers["content-type"]), /^text\/html/);
  assert.equal(page.headers["cache-control"], "no-cache");
  assert.match(page.body, /<title>Steward<\/title>/);

  const asset = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
  assert.equal(asset.statusCode, 200);
  assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
});

test("/ says how to build the dashboard when it is not built", async (t) => {
  const app = await serverWithWebRoot(t, {});
  const response = await app.inject({ method: "GET", url: "/" });
  assert.equal(response.statusCode, 503);
  assert.match(String(response.headers["content-type"]), /^text\/plain/);
  assert.match(response.body, /npm run build/);
});
