import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Locator } from "playwright-core";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import { fixSchema } from "../../src/doctor/fix-schema.ts";
import { writeReport } from "../../src/fsar/write-report.ts";
import { gateState } from "../../src/tasks/execution-gate.ts";
import { waitFor } from "../support/wait-for.ts";
import { openDashboard } from "./dashboard-fixture.ts";
import { assertNoCardOverflows } from "./layout.ts";

/**
 * The Reports page in a real browser, against the real server: empty, it says what a report is;
 * then `execution_tasks.ai_model` is dropped and a report written through the engine, behind the
 * page's back: within a refresh the gate reads CLOSED with the report's reason and id, and the
 * report shows its severity-9 blocking finding with the doctor's SQL. Opening the gate without a
 * reason shows the server's refusal; with one it opens, and the override is in the log. Once the
 * schema is mended, Run a report now adds a report that lists the finding as resolved; closing
 * the gate by hand from the page shows on the overview as one line that links here.
 */

// The page polls every 10 s: a few refreshes is ample.
const visibleWithinMs = 30_000;
const missingKey = "schema.missing_object:execution_tasks.ai_model";
const repairSql = "ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;";

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent({ timeout: visibleWithinMs })) ?? "").replace(/\s+/g, " ").trim();
}

/** Waits until the locator's text matches: the page's requests are polled apart. */
async function seeText(locator: Locator, expected: RegExp, what: string): Promise<string> {
  let seen = "";
  await waitFor(
    async () => {
      seen = await text(locator);
      return expected.test(seen);
    },
    { what, timeoutMs: visibleWithinMs },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen "${seen}"`);
  });
  return seen;
}

test("the Reports page: the gate a blocking report closed, its finding and SQL, opening it by hand, a report run from the page", {
  timeout: 240_000,
}, async (t) => {
  const { deps, db, url, page, pageErrors, shots } = await openDashboard(t, {
    viewport: { width: 1280, height: 900 },
  });

  // No report yet: the page says what one is, and offers to write one.
  await page.goto(`${url}/#/reports`);
  assert.equal(await page.getByTestId("nav-reports").getAttribute("aria-current"), "page");
  const empty = page.getByTestId("reports-empty");
  await empty.waitFor({ timeout: visibleWithinMs });
  assert.match(await text(empty), /No report yet.*Steward's assessment of itself.*Run a report now/);
  assert.equal(await page.getByTestId("gate-banner").getAttribute("data-state"), "open");
  assert.match(await text(page.getByTestId("gate-state")), /^OPEN$/);
  assert.match(await text(page.getByTestId("reports-refresh")), /refreshes every 10 s/);
  await page.screenshot({ path: path.join(shots, "reports-empty.png"), fullPage: true });

  // The seed report's failure, behind the page's back: the column dropped, a report written.
  await db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  const { report } = await writeReport(fsarDepsOf(deps));
  assert.equal(report.block_execution, true);

  // The gate, first: CLOSED for every kind, with the closure's reason and the report's id.
  const gate = page.locator('[data-testid="gate-banner"][data-state="closed"]');
  await gate.waitFor({ timeout: visibleWithinMs });
  assert.match(await text(gate.getByTestId("gate-state")), /^CLOSED for every kind$/);
  assert.match(
    await text(gate.getByTestId("gate-reason")),
    /missing column execution_tasks\.ai_model \(expected text\): statements that use it fail/,
  );
  const reportLink = gate.getByTestId("gate-report-link");
  assert.equal(await text(reportLink), report.id);
  assert.equal(await reportLink.getAttribute("href"), `#/reports/${report.id}`);
  assert.match(await text(gate), /by Steward's reports · since/);

  // The report, in plain words: severity 9, critical, blocking.
  const view = page.locator(`[data-testid="report-view"][data-id="${report.id}"]`);
  await view.waitFor({ timeout: visibleWithinMs });
  assert.equal(await text(view.getByTestId("report-severity")), "9 · critical");
  assert.match(await text(view.getByTestId("report-severity-meaning")), /^Severity 9 of 10 — critical:/);
  assert.match(await text(view.getByTestId("report-blocks")), /^It blocks execution/);
  assert.match(await text(view.getByTestId("report-trigger")), /^on demand/);
  assert.match(
    await text(view.getByTestId("report-proposal")),
    /Execution is blocked until this finding is mended/,
  );

  // Its finding under section 1, with its evidence and the doctor's SQL to copy.
  const finding = view.locator(`[data-testid="finding"][data-key="${missingKey}"]`);
  assert.match(
    await text(finding.getByTestId("finding-summary")),
    /^missing column execution_tasks\.ai_model \(expected text\)/,
  );
  assert.equal(await finding.getByTestId("finding-severity").getAttribute("data-severity"), "9");
  assert.equal(await text(finding.getByTestId("finding-severity")), "9 · critical");
  assert.equal(await text(finding.getByTestId("blocking-mark")), "blocks");
  const evidence = finding.getByTestId("evidence");
  assert.equal(await evidence.getAttribute("open"), null, "folded at first");
  await evidence.locator("summary").click();
  assert.match(await text(evidence), /difference\s*missing_column.*explainedErrors.*Source: steward doctor/);
  const section = view.locator('[data-testid="report-section"]', {
    has: page.locator(`[data-testid="finding"][data-key="${missingKey}"]`),
  });
  assert.equal(await section.getAttribute("data-section"), "1");
  const sql = section.getByTestId("action-sql");
  assert.equal(await text(sql), repairSql);
  assert.ok(await sql.isVisible());
  assert.equal(await text(section.getByTestId("action-command").first()), "steward doctor --fix");
  assert.ok((await view.getByTestId("report-risks").locator("li").count()) > 0, "the risks listed");
  assert.ok(
    (await view.getByTestId("report-mitigations").locator("li").count()) > 0,
    "the mitigations listed",
  );

  // The raw Markdown, in the seed's layout.
  await view.getByTestId("report-markdown-toggle").click();
  const markdown = (await view.getByTestId("report-markdown-text").textContent()) ?? "";
  assert.ok(markdown.startsWith(`# FSAR Proposal Report\n- id: ${report.id}\n`), markdown.slice(0, 120));
  assert.ok(markdown.includes(repairSql));

  // The history and the open findings.
  const row = page.locator(`[data-testid="report-row"][data-id="${report.id}"]`);
  assert.equal(await text(row.getByTestId("report-row-severity")), "9 · critical");
  assert.equal(await text(row.getByTestId("report-row-blocks")), "blocks");
  assert.equal(await page.locator('[data-testid="history-bar"][data-blocks="true"]').count(), 1);
  const open = page.locator(`[data-testid="open-finding"][data-key="${missingKey}"]`);
  await open.waitFor({ timeout: visibleWithinMs });
  assert.equal(await open.getByTestId("open-finding-severity").getAttribute("data-severity"), "9");
  assert.equal(await text(open.getByTestId("open-finding-times")), "1");
  await assertNoCardOverflows(page, "reports, closed");
  await page.screenshot({ path: path.join(shots, "reports-closed.png"), fullPage: true });

  // Opening without a reason: the server refuses, and the page says what it said.
  await gate.getByTestId("gate-open-button").click();
  const form = page.locator('[data-testid="gate-form"][data-action="open"]');
  await form.getByTestId("gate-submit").click();
  await seeText(
    form.getByTestId("gate-error"),
    /reason: is required: say why the gate changes/,
    "the refusal",
  );
  assert.equal((await gateState(db)).open, false, "refused: the gate stays closed");
  assert.equal(await page.getByTestId("gate-banner").getAttribute("data-state"), "closed");

  // With a reason it opens; the override is in force and in the log.
  const reason = "ai_model is only read by reports here; checked with steward doctor";
  await form.getByTestId("gate-reason-input").fill(reason);
  await form.getByTestId("gate-submit").click();
  const opened = page.locator('[data-testid="gate-banner"][data-state="open"]');
  await opened.waitFor({ timeout: visibleWithinMs });
  assert.equal(await form.count(), 0, "the form closes once done");
  assert.match(await text(opened.getByTestId("gate-overrides")), new RegExp(`${missingKey}.*${reason}`));
  const override = page.locator('[data-testid="operator-action"][data-action="gate.override"]');
  await override.waitFor({ timeout: visibleWithinMs });
  assert.equal(await text(override.getByTestId("operator-action-reason")), reason);
  assert.match(await text(override), /opened the gate by hand.*every kind/);
  assert.equal((await gateState(db)).open, true);

  // Mended, then a report run from the page: a second row, shown as the latest, the finding resolved.
  await fixSchema(deps);
  await page.getByTestId("run-report").click();
  await waitFor(async () => (await page.getByTestId("report-row").count()) === 2, {
    what: "the new report in the table",
    timeoutMs: visibleWithinMs,
  });
  const latest = page.getByTestId("report-view");
  await waitFor(async () => ((await latest.getAttribute("data-id")) ?? report.id) !== report.id, {
    what: "the new report shown in place of the first",
    timeoutMs: visibleWithinMs,
  });
  const resolved = latest.locator(`[data-testid="resolved-finding"][data-key="${missingKey}"]`);
  await resolved.waitFor({ timeout: visibleWithinMs });
  assert.match(await text(resolved.getByTestId("resolved-open-for")), /\d/);
  assert.equal(await latest.locator(`[data-testid="finding"][data-key="${missingKey}"]`).count(), 0);
  await waitFor(async () => (await open.count()) === 0, {
    what: "the finding no longer open",
    timeoutMs: visibleWithinMs,
  });

  // A row of the table shows its report in place of the latest, until "back to the latest".
  const latestId = await latest.getAttribute("data-id");
  await row.click();
  await page
    .locator(`[data-testid="report-view"][data-id="${report.id}"]`)
    .waitFor({ timeout: visibleWithinMs });
  assert.ok(page.url().endsWith(`#/reports/${report.id}`));
  await page.getByTestId("back-to-latest").click();
  await page
    .locator(`[data-testid="report-view"][data-id="${latestId}"]`)
    .waitFor({ timeout: visibleWithinMs });

  // Acknowledged: marked, and logged.
  await latest.getByTestId("report-ack").click();
  await latest.getByTestId("report-acked").waitFor({ timeout: visibleWithinMs });
  await page
    .locator('[data-testid="operator-action"][data-action="fsar.ack"]')
    .waitFor({ timeout: visibleWithinMs });

  // Closed by hand from the page: the overview says so in one line, which links here.
  await page.getByTestId("gate-close-button").click();
  const close = page.locator('[data-testid="gate-form"][data-action="close"]');
  await close.getByTestId("gate-reason-input").fill("deploying a migration");
  await close.getByTestId("gate-submit").click();
  const closedByHand = page.locator('[data-testid="gate-banner"][data-state="closed"]');
  await closedByHand.waitFor({ timeout: visibleWithinMs });
  assert.match(await text(closedByHand), /deploying a migration.*by an operator, by hand/);
  await page.screenshot({ path: path.join(shots, "reports-closed-by-hand.png"), fullPage: true });

  await page.getByTestId("nav-status").click();
  const notice = page.getByTestId("overview-gate");
  await seeText(notice, /^Execution gate CLOSED for every kind/, "the overview's line on the gate");
  await notice.getByTestId("overview-gate-link").click();
  await page.getByTestId("gate-banner").waitFor({ timeout: visibleWithinMs });
  assert.ok(page.url().endsWith("#/reports"));

  // The one error the browser logs is the refusal it was sent.
  assert.deepEqual(
    pageErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e)),
    [],
  );
});
