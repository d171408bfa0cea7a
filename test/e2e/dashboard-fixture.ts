import type { TestContext } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { Deps } from "../../src/app/deps.ts";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { startServer } from "../../src/http/start-server.ts";
import { WorkerPool, type WorkerPoolOptions } from "../../src/workers/worker-pool.ts";
import { testDeps } from "../support/steward-deps.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { ensureDashboardBuilt, launchBrowser, openPage, screenshotFolder } from "./browser.ts";

/** A browser test's world: a fresh database, Steward's server on a real socket, a browser page. */
export interface DashboardFixture {
  db: Database;
  deps: Deps;
  /** The server's address. */
  url: string;
  browser: Browser;
  page: Page;
  /** What the page logged as errors: a test ends by asserting there were none. */
  pageErrors: string[];
  /** A folder for screenshots (see screenshotFolder). */
  shots: string;
  /** Stops the server before the test ends; the teardown does not stop it again. */
  stopServer(): Promise<void>;
  /** A worker pool on these deps (or others on the same database), stopped when the test ends. */
  startPool(options?: WorkerPoolOptions, deps?: Deps): Promise<WorkerPool>;
  /** Runs when the test ends, before everything made until now is taken down. */
  defer(cleanup: () => unknown): void;
}

export interface DashboardOptions {
  config?: ConfigInput;
  /** Before the server starts: kinds to register, rows to write. */
  prepare?: (deps: Deps) => unknown;
  viewport?: { width: number; height: number };
}

/**
 * Sets up what every browser test needs, and takes it down when the test ends, in reverse order
 * of creation (workers and anything deferred, the page and browser, the server, the database),
 * so that nothing outlives the test: no process, no folder, no database.
 */
export async function openDashboard(
  t: TestContext,
  options: DashboardOptions = {},
): Promise<DashboardFixture> {
  ensureDashboardBuilt();
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const testDb = await createTestDatabase();
  cleanups.push(() => testDb.dispose());
  const deps = await testDeps(testDb.db, { config: options.config });
  await options.prepare?.(deps);
  const server = await startServer(deps, { host: "127.0.0.1", port: 0 });
  let serverOpen = true;
  const stopServer = async () => {
    if (serverOpen) await server.close();
    serverOpen = false;
  };
  cleanups.push(stopServer);
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const { folder: shots, cleanup } = screenshotFolder(t);
  cleanups.push(cleanup);
  const { page, pageErrors } = await openPage(browser, options.viewport);

  return {
    db: testDb.db,
    deps,
    url: server.url,
    browser,
    page,
    pageErrors,
    shots,
    stopServer,
    async startPool(poolOptions = {}, poolDeps = deps) {
      const pool = new WorkerPool(poolDeps, poolOptions);
      await pool.start();
      cleanups.push(() => pool.stop());
      return pool;
    },
    defer: (fn) => cleanups.push(fn),
  };
}
