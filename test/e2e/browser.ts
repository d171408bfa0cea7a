import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { defaultWebRoot } from "../../src/http/build-server.ts";
import { chooseChromium } from "./chromium.ts";

/** What the browser tests share: the dashboard build, Chromium (see chromium.ts), and a folder for screenshots. */

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const webSources = path.join(repoRoot, "web");

export async function launchBrowser(): Promise<Browser> {
  const choice = await chooseChromium();
  return chromium.launch({ executablePath: choice.executablePath, args: choice.args, headless: true });
}

/** A page that records what it logs as errors: a test ends by asserting there were none. */
export async function openPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; pageErrors: string[] }> {
  // Chromium takes its language from LANG; under C.UTF-8 it reports "en-US@posix", which Intl
  // refuses (uPlot formats numbers with navigator.language): a locale as a person's browser has.
  const page = await browser.newPage({ viewport, locale: "en-US" });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  return { page, pageErrors };
}

/**
 * A temp folder for screenshots and its cleanup: removed unless STEWARD_TEST_KEEP_SCREENSHOTS=1,
 * in which case the test prints where they are.
 */
export function screenshotFolder(t: TestContext): { folder: string; cleanup: () => Promise<void> } {
  const folder = mkdtempSync(path.join(tmpdir(), "steward-dashboard-"));
  return {
    folder,
    async cleanup() {
      if (process.env.STEWARD_TEST_KEEP_SCREENSHOTS === "1") t.diagnostic(`screenshots kept in ${folder}`);
      else rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Builds dist/web when it is missing or older than the dashboard's sources. */
export function ensureDashboardBuilt(): void {
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
