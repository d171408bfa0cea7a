import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import type { Overview } from "../../src/app/overview.ts";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { serverUnreachable } from "../../web/src/http-client.ts";
import { oneSimWriter } from "../support/sim-models.ts";
import { testDeps } from "../support/steward-deps.ts";
import { waitFor } from "../support/wait-for.ts";
import { openPage } from "./browser.ts";
import { openDashboard } from "./dashboard-fixture.ts";
import { assertNoCardOverflows } from "./layout.ts";

/**
 * The landing page in a real browser: its numbers are the API's (running, queued, blocked,
 * failed, why tasks wait, models), it names the tasks no model can take with the scheduler's
 * reason, an unknown page says so with links, and when the server stops every page says it
 * cannot be reached, in the same words.
 */

// The overview refreshes every 2 s, the Models page every 2 s: a few refreshes is ample.
const visibleWithinMs = 15_000;

const oneSimModel: ConfigInput = oneSimWriter();

test("the overview shows the API's numbers; unknown pages and a stopped server are said so", {
  timeout: 180_000,
}, async (t) => {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held: TaskKind = { name: "held", description: "waits for the test", run: () => released };
  // As long as the demo's longest kind name and more: the queue bars must show it whole.
  const broken: TaskKind = {
    name: "broken_idea_implementation",
    description: "always fails",
    async run() {
      throw new RangeError("the numbers were wrong");
    },
  };
  const { db, deps, url, browser, page, pageErrors, shots, stopServer, startPool, defer } =
    await openDashboard(t, {
      config: oneSimModel,
      prepare: (deps) => deps.kinds.register(held).register(broken),
      viewport: { width: 1400, height: 900 },
    });
  // A worker whose configuration names no models: the llm tasks it claims go back to wait.
  const workerDeps = await testDeps(db, { migrate: false });
  workerDeps.kinds.register(held).register(broken);
  const pool = await startPool(
    { kinds: ["held", "broken_idea_implementation", "llm"], concurrency: 4, pollMs: 20 },
    workerDeps,
  );
  // Before the pool stops: its handler waits for this.
  defer(release);

  const [delayed] = await enqueueTasks(deps, [{ kind: "noop", delayMs: 3_600_000 }]);
  const [, failed] = await enqueueTasks(deps, [
    { kind: "held" },
    { kind: "broken_idea_implementation", maxAttempts: 1 },
    { kind: "noop" },
    { kind: "noop" },
    { kind: "noop", dependsOn: [delayed!.id] },
    ...[1, 2].map((i) => ({ kind: "llm", capabilities: ["writing"], payload: { prompt: `say ${i}` } })),
  ]);
  const api = await waitFor(
    async () => {
      const answer = (await (await fetch(`${url}/api/overview`)).json()) as Overview;
      return answer.tasks?.running === 1 &&
        answer.failures?.count === 1 &&
        answer.waiting?.byReason.no_model === 2
        ? answer
        : null;
    },
    { what: "one task running, one failed and two without a model" },
  );

  await page.goto(url);
  const number = (testId: string) => page.getByTestId(testId);
  await number("overview-running").filter({ hasText: /^1$/ }).waitFor({ timeout: visibleWithinMs });
  assert.equal(await page.getByTestId("nav-status").getAttribute("aria-current"), "page");
  assert.equal(await number("overview-queued").textContent(), String(api.tasks!.queued));
  assert.equal(await number("overview-blocked").textContent(), String(api.tasks!.blocked));
  assert.equal(await number("overview-failed").textContent(), "1");
  assert.deepEqual([api.tasks!.queued, api.tasks!.blocked], [5, 1]);

  // Why tasks wait: one row a reason, with the API's counts.
  const rows = page.getByTestId("waiting-row");
  assert.deepEqual(
    await rows.evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.reason, tr.querySelector("[data-testid=waiting-count]")?.textContent]),
    ),
    [
      ["ready", "2"],
      ["delayed", "1"],
      ["blocked", "1"],
      ["no_model", "2"],
    ],
  );
  const noModel = page.locator('[data-testid="waiting-no-model"][data-kind="llm"]');
  assert.match(
    (await noModel.textContent()) ?? "",
    /no configured model can take it.*no model is configured/,
  );

  // Recent failures link to the task; models say how many there are.
  const failure = page.locator(`[data-testid="failure-row"][data-task-id="${failed!.id}"]`);
  assert.match(
    (await failure.textContent()) ?? "",
    /broken_idea_implementation.*RangeError: the numbers were wrong/,
  );
  assert.equal(await page.getByTestId("overview-models-configured").textContent(), "1");
  assert.equal(
    await page.getByTestId("overview-models-available").textContent(),
    String(api.models!.available),
  );
  // The system section is still there, below.
  await page.getByTestId("schema-status").filter({ hasText: "clean" }).waitFor({ timeout: visibleWithinMs });
  await assertNoCardOverflows(page, "overview");
  await page.screenshot({ path: path.join(shots, "overview.png"), fullPage: true });

  // The Tasks page says the same about why tasks wait.
  await page.goto(`${url}/#/tasks`);
  const tasksWaiting = page.getByTestId("tasks-waiting");
  await tasksWaiting
    .locator('[data-testid="waiting-row"][data-reason="no_model"]')
    .waitFor({ timeout: visibleWithinMs });
  assert.equal(await tasksWaiting.getByTestId("waiting-row").count(), 4);
  const names = await page
    .getByTestId("depth-kind")
    .evaluateAll((spans) => spans.map((span) => [span.textContent, span.scrollWidth <= span.clientWidth]));
  assert.ok(names.length >= 5);
  assert.deepEqual(
    names.filter(([, whole]) => !whole),
    [],
    "kind names are shown whole in the queue bars",
  );
  await assertNoCardOverflows(page, "tasks");
  await page.screenshot({ path: path.join(shots, "tasks.png"), fullPage: true });

  // A page the dashboard does not have.
  await page.goto(`${url}/#/nowhere/at-all`);
  await page.getByTestId("not-found").waitFor({ timeout: visibleWithinMs });
  assert.equal(await page.getByTestId("not-found-path").textContent(), "#/nowhere/at-all");
  assert.deepEqual(await page.getByTestId("not-found-link").allTextContents(), [
    "Overview",
    "Tasks",
    "Models",
  ]);
  assert.equal(await page.locator("[aria-current=page]").count(), 0, "no navigation entry is current");
  await page.screenshot({ path: path.join(shots, "not-found.png"), fullPage: true });
  await page.getByTestId("not-found-link").filter({ hasText: "Models" }).click();
  await page.getByTestId("model-card").first().waitFor({ timeout: visibleWithinMs });
  await assertNoCardOverflows(page, "models");

  // The server stops under open pages: each says it cannot be reached, in the same words.
  const pages: [string, Page][] = [["models", page]];
  for (const hash of ["#/", "#/tasks"]) {
    const { page: other } = await openPage(browser, { width: 1400, height: 900 });
    await other.goto(`${url}/${hash}`);
    await other.locator(".page h1").waitFor({ timeout: visibleWithinMs });
    pages.push([hash, other]);
  }
  await pages[1]![1].getByTestId("overview-running").waitFor({ timeout: visibleWithinMs });
  await pages[2]![1].getByTestId("tasks-waiting").waitFor({ timeout: visibleWithinMs });
  release();
  await pool.stop();
  await stopServer();
  for (const [name, open] of pages) {
    const banner = open.getByRole("alert").filter({ hasText: serverUnreachable });
    await banner.first().waitFor({ timeout: visibleWithinMs });
    assert.equal(await banner.count(), 1, `${name}: one banner says it`);
    assert.equal(await open.getByText("Failed to fetch").count(), 0, name);
    await open.screenshot({ path: path.join(shots, `unreachable-${name.replace(/\W/g, "")}.png`) });
  }

  // Reconnecting to a stopped server is logged by the browser as a failed load: nothing else may be.
  assert.deepEqual(
    pageErrors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)),
    [],
    "the page logged errors",
  );
});
