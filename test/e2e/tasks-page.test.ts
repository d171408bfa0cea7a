import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { EnqueuedTask } from "../../src/tasks/enqueue-tasks.ts";
import { openDashboard } from "./dashboard-fixture.ts";

/**
 * The Tasks page in a real browser, against a server with a worker pool running real tasks:
 * tasks enqueued over HTTP appear without a reload, go to succeeded, and a task's page shows
 * the attempt the worker recorded.
 */

// Each sleep takes 0.3 s and the page hears of changes within a second: ample.
const visibleWithinMs = 15_000;

test("the Tasks page follows tasks to succeeded and shows a task's attempts", {
  timeout: 120_000,
}, async (t) => {
  const { url, page, pageErrors, shots, startPool } = await openDashboard(t);
  const pool = await startPool({ concurrency: 4, pollMs: 50 });

  await page.goto(`${url}/#/tasks`);
  await page.getByTestId("task-list-empty").waitFor({ timeout: visibleWithinMs });
  assert.equal(await page.getByTestId("nav-tasks").getAttribute("aria-current"), "page");

  // Enqueued over HTTP while the page is open: it must hear of them by itself.
  const response = await fetch(`${url}/api/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      tasks: [
        { kind: "sleep", ref: "nap-1", stage: "Draft", payload: { ms: 300 } },
        { kind: "sleep", ref: "nap-2", stage: "Draft", payload: { ms: 300 } },
        { kind: "sleep", ref: "nap-3", stage: "Draft", payload: { ms: 300 } },
        { kind: "noop", ref: "wrap-up", stage: "Review", dependsOn: ["nap-1", "nap-2", "nap-3"] },
      ],
    }),
  });
  assert.equal(response.status, 201);
  const tasks = ((await response.json()) as { tasks: EnqueuedTask[] }).tasks;
  const byRef = Object.fromEntries(tasks.map((task) => [task.ref, task.id]));

  const row = (id: number) => page.locator(`[data-testid="task-row"][data-task-id="${id}"]`);
  for (const task of tasks) {
    await row(task.id).and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: visibleWithinMs });
  }
  assert.deepEqual(
    await page.getByTestId("task-row").evaluateAll((rows) => rows.map((r) => Number(r.dataset.taskId))),
    tasks.map((task) => task.id).reverse(),
    "newest first",
  );
  await page.getByTestId("running-count").filter({ hasText: /^0$/ }).waitFor({ timeout: visibleWithinMs });

  // Search and status filter ask the server.
  await page.getByTestId("task-search").fill("noop");
  await row(byRef["nap-1"]!).waitFor({ state: "detached", timeout: visibleWithinMs });
  await row(byRef["wrap-up"]!).waitFor();
  assert.equal(await page.getByTestId("task-row").count(), 1);
  await page.getByTestId("task-search").fill("");
  await page.getByTestId("task-status-filter").selectOption("failed");
  await page.getByTestId("task-list-empty").waitFor({ timeout: visibleWithinMs });
  await page.getByTestId("task-status-filter").selectOption("");
  await row(byRef["nap-1"]!).waitFor({ timeout: visibleWithinMs });

  // A paused kind shows with its reason, and the page resumes it.
  await fetch(`${url}/api/kinds/sleep/pause`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ reason: "model quota spent" }),
  });
  const paused = page.locator('[data-testid="paused-kind"][data-kind="sleep"]');
  await paused.filter({ hasText: "model quota spent" }).waitFor({ timeout: visibleWithinMs });
  await page.screenshot({ path: path.join(shots, "tasks.png"), fullPage: true });
  await paused.getByTestId("resume-kind").click();
  await paused.waitFor({ state: "detached", timeout: visibleWithinMs });

  // A task's own page: its payload, its dependents and the attempt the worker recorded.
  await row(byRef["nap-2"]!).click();
  await page.waitForURL(`**/#/tasks/${byRef["nap-2"]}`);
  await page
    .getByTestId("task-status")
    .filter({ hasText: "succeeded" })
    .waitFor({ timeout: visibleWithinMs });
  assert.deepEqual(JSON.parse((await page.getByTestId("task-payload").textContent()) ?? ""), { ms: 300 });
  assert.deepEqual(JSON.parse((await page.getByTestId("task-result").textContent()) ?? ""), { sleptMs: 300 });
  assert.match(
    (await page.getByTestId("task-dependents").textContent()) ?? "",
    new RegExp(`#${byRef["wrap-up"]}`),
  );
  const attempts = page.getByTestId("attempt-row");
  await attempts.first().waitFor({ timeout: visibleWithinMs });
  assert.equal(await attempts.count(), 1);
  assert.equal(await attempts.getByTestId("attempt-outcome").textContent(), "succeeded");
  assert.equal(await attempts.getByTestId("attempt-worker").textContent(), pool.workerId);
  await page.screenshot({ path: path.join(shots, "task.png"), fullPage: true });

  // Its dependency link leads to the task that waited for it.
  await page.getByTestId("task-dependents").getByTestId("task-link").click();
  await page
    .getByTestId("task-title")
    .filter({ hasText: `Task #${byRef["wrap-up"]}` })
    .waitFor();
  await page.getByTestId("back-to-tasks").click();
  await page.getByTestId("task-table").waitFor();

  assert.deepEqual(pageErrors, [], "the page logged errors");
});
