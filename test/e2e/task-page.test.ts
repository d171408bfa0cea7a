import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { enqueueTasks } from "../../src/tasks/enqueue-tasks.ts";
import type { AssignmentView } from "../../src/tasks/task.ts";
import type { TaskKind } from "../../src/tasks/task-kinds.ts";
import { waitFor } from "../support/wait-for.ts";
import { openDashboard } from "./dashboard-fixture.ts";
import { assertNoCardOverflows, pageSize } from "./layout.ts";

/**
 * A task's page in a real browser at 1400 px: a running task shows the attempt under way; a
 * payload of a quarter megabyte shows its first lines and a button, not 85,000 px of JSON; a
 * model assignment over ten models, priced in dollars with each one's success, and attempts with
 * long errors stay within their cards.
 */

const visibleWithinMs = 15_000;

/** Ten models: four priced (expected cost, its parts, success and curve), six excluded with long reasons. */
function wideAssignment(at: Date): AssignmentView {
  return {
    at: at.toISOString(),
    model: "model-0",
    reason:
      "model-0: expected cost $0.00013 vs $0.00082 for model-1 — 94% success on code, next in line after a failure",
    scores: Array.from({ length: 10 }, (_, i): AssignmentView["scores"][number] =>
      i < 4
        ? {
            modelId: `model-${i}`,
            score: -(0.00013 + i * 0.0003),
            factors: { price: -(0.0001 + i * 0.0002), lateness: -(0.00003 + i * 0.0001) },
            excluded: null,
            estimates: {
              successProbability: 0.94 - i / 10,
              priorSuccess: 0.79,
              durationMs: 1_200 + i * 100,
              priorDurationMs: 1_000,
              costUsd: 0.0001 + i * 0.0002,
              tardinessS: 0.6 + i * 2,
              latenessUsd: 0.00003 + i * 0.0001,
              curve: { capability: "code", offset: 1.9, slope: 2.1, kindLogOdds: -0.4 },
            },
          }
        : {
            modelId: `a-model-with-a-long-name-${i}`,
            score: null,
            factors: {},
            excluded: `would exceed 200,000 tokens per minute (${190_000 + i} in the last minute) and its fallback list is cooling down after a rate limit`,
          },
    ),
  };
}

test("a task's page shows the running attempt, collapses a large payload and fits its cards at 1400 px", {
  timeout: 180_000,
}, async (t) => {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let runs = 0;
  // Fails its first attempt; the second waits until the test lets it go.
  const flaky: TaskKind = {
    name: "second-waits",
    description: "fails once, then waits for the test",
    async run() {
      runs++;
      if (runs === 1) throw new RangeError(`the first attempt fails: ${"a long explanation ".repeat(20)}`);
      await released;
      return { done: true };
    },
  };
  const { db, deps, url, page, pageErrors, shots, startPool, defer } = await openDashboard(t, {
    // Retries at once: the second attempt follows the failed first without a wait.
    config: { tasks: { retry: { baseDelayMs: 1, maxDelayMs: 2 } } },
    prepare: (deps) => deps.kinds.register(flaky),
    viewport: { width: 1400, height: 900 },
  });
  await startPool({
    workerId: "host.example/4242/abc123",
    kinds: ["second-waits"],
    concurrency: 2,
    pollMs: 20,
  });
  // Before the pool stops: its handler waits for this.
  defer(release);

  // Running: the attempt under way is a row, after the failed one, with its error below it.
  const [running] = await enqueueTasks(deps, [{ kind: "second-waits", maxAttempts: 3 }]);
  await waitFor(
    async () => {
      const { rows } = await db.query<{ attempts: number; status: string }>(
        "SELECT attempts, status FROM execution_tasks WHERE id = $1",
        [running!.id],
      );
      return rows[0]?.status === "running" && rows[0].attempts === 2;
    },
    { what: "the second attempt to run" },
  );
  // What the scheduler would have stored for it, had it run on a model: the widest table there is.
  await db.query("UPDATE execution_tasks SET assignment = $1::jsonb WHERE id = $2", [
    JSON.stringify(wideAssignment(new Date())),
    running!.id,
  ]);
  await page.goto(`${url}/#/tasks/${running!.id}`);
  const rows = page.getByTestId("attempt-row");
  await rows.nth(1).waitFor({ timeout: visibleWithinMs });
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.outcome)), [
    "failed",
    "running",
  ]);
  const current = rows.nth(1);
  assert.equal(await current.getByTestId("attempt-outcome").textContent(), "running");
  assert.equal(await current.getByTestId("attempt-worker").textContent(), "host.example/4242/abc123");
  assert.match((await current.getByTestId("attempt-took").textContent()) ?? "", /so far$/);
  assert.equal(await page.getByTestId("no-attempts").count(), 0);
  assert.match(
    (await page.getByTestId("attempt-error").textContent()) ?? "",
    /RangeError: the first attempt fails/,
  );
  await page.getByTestId("assignment-row").nth(9).waitFor();
  assert.equal(await page.getByTestId("assignment-table").getAttribute("data-priced"), "true");
  await assertNoCardOverflows(page, "a running task with a wide assignment");
  // Wide content scrolls or wraps inside its card: the page itself does not scroll sideways.
  const size = await pageSize(page);
  assert.ok(size.width <= size.window, `the page is ${size.width} px wide in a ${size.window} px window`);
  await page.screenshot({ path: path.join(shots, "running.png"), fullPage: true });
  release();
  await rows.and(page.locator('[data-outcome="succeeded"]')).waitFor({ timeout: visibleWithinMs });
  assert.equal(await rows.count(), 2);

  // A payload of about 250 kB: its first lines, then a button that says how much there is.
  const big = {
    lines: Array.from({ length: 1_400 }, (_, n) => ({ n, text: "lorem ipsum dolor sit amet ".repeat(6) })),
  };
  const [large] = await enqueueTasks(deps, [{ kind: "noop", payload: big }]);
  await page.goto(`${url}/#/tasks/${large!.id}`);
  const payload = page.getByTestId("task-payload");
  await payload.waitFor({ timeout: visibleWithinMs });
  assert.equal(await payload.getAttribute("data-collapsed"), "true");
  const collapsed = await payload.boundingBox();
  assert.ok(
    collapsed !== null && collapsed.height < 900,
    `collapsed payload is ${collapsed?.height} px tall`,
  );
  const { height } = await pageSize(page);
  assert.ok(height < 3_000, `the page is ${height} px tall`);
  const toggle = page.getByTestId("task-payload-toggle");
  assert.match((await toggle.textContent()) ?? "", /^show all \(\d{3} kB\)$/);
  await page.screenshot({ path: path.join(shots, "large-payload.png"), fullPage: true });
  await toggle.click();
  assert.equal(await payload.getAttribute("data-collapsed"), "false");
  assert.deepEqual(JSON.parse((await payload.textContent()) ?? ""), big, "shown in full, it is all there");
  // In full, it scrolls within a box of bounded height.
  const open = await payload.boundingBox();
  assert.ok(open !== null && open.height <= 900, `open payload is ${open?.height} px tall`);
  await assertNoCardOverflows(page, "a large payload");

  assert.deepEqual(pageErrors, [], "the page logged errors");
});
