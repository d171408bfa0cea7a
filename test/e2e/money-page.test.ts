import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Locator, Page } from "playwright-core";
import type { Deps } from "../../src/app/deps.ts";
import { currencyDecimals, formatMinor } from "../../src/money/currencies.ts";
import { addExpenses } from "../../src/money/expenses.ts";
import { replayStripeEvents } from "../../src/money/stripe-replay.ts";
import { currencyDecimals as dashboardDecimals, formatMoney } from "../../web/src/money-format.ts";
import {
  checkoutPayment,
  type StripeEvent,
  stripeEvent,
  stripeObject,
  subscription,
} from "../money/stripe-fixtures.ts";
import { waitFor } from "../support/wait-for.ts";
import { openDashboard } from "./dashboard-fixture.ts";
import { assertNoCardOverflows } from "./layout.ts";

/**
 * The Money page in a real browser, against the real server: empty, it says how money arrives;
 * then Stripe's events (replayed through the engine, as `steward stripe replay` does) and an
 * expense arrive behind its back, and within a refresh it draws the chart, the ROI by idea and
 * stream, the funnel, the payment failures, MRR's movements and the unattributed share, each
 * with the numbers the ledger gives; a payment made while it is open shows without a reload.
 */

// The page polls every 5 s: a few refreshes is ample.
const visibleWithinMs = 20_000;
const day = 86_400;
const now = () => Math.floor(Date.now() / 1000);

/** A checkout payment's three events: session completed, payment intent and charge succeeded. */
function paidThroughCheckout(payment: ReturnType<typeof checkoutPayment>): StripeEvent[] {
  const { ids, at } = payment;
  return [
    stripeEvent(`evt_${ids.cs}`, "checkout.session.completed", payment.session, at),
    stripeEvent(`evt_${ids.pi}`, "payment_intent.succeeded", payment.intent, at),
    stripeEvent(`evt_${ids.ch}`, "charge.succeeded", payment.charge(), at),
  ];
}

/**
 * A month of money, named by what it is:
 * - summarizer: 120.00 USD through Checkout (stream "checkout"), 20.00 refunded, 30.00 of hosting
 *   against it: net revenue 100.00, cost 30.00, profit 70.00, ROI 233%;
 * - a 30.00 USD charge naming no idea: unattributed, no cost, ROI –;
 * - translator: 50.00 EUR, which has no rate to USD (none configured): left out of the chart;
 * - a checkout that expired, and a charge that failed;
 * - subscriptions: cus_grow 10.00 → 30.00 a month, cus_gone 20.00 cancelled, cus_new 15.00 new.
 */
async function seedMonthOfMoney(deps: Deps): Promise<void> {
  const t = now();
  const summarizer = checkoutPayment("summarizer", {
    amount: 12_000,
    at: t - 3 * day,
    metadata: { idea: "summarizer", stream: "checkout" },
  });
  const unattributed = checkoutPayment("loose", { amount: 3_000, at: t - 2 * day });
  const translator = checkoutPayment("translator", {
    amount: 5_000,
    currency: "eur",
    at: t - 2 * day,
    metadata: { idea: "translator" },
  });
  const expired = stripeObject("checkout.session", {
    id: "cs_expired",
    status: "expired",
    payment_status: "unpaid",
    amount_total: 2_000,
    currency: "usd",
    payment_intent: null,
    created: t - 2 * day,
    metadata: {},
  });
  const failed = stripeObject("charge", {
    id: "ch_failed",
    status: "failed",
    amount: 2_000,
    amount_captured: 0,
    amount_refunded: 0,
    captured: false,
    currency: "usd",
    payment_intent: null,
    created: t - day,
    metadata: {},
  });
  const events = [
    ...paidThroughCheckout(summarizer),
    stripeEvent("evt_refund", "charge.refunded", summarizer.charge({ amount_refunded: 2_000 }), t - 2 * day),
    stripeEvent("evt_loose", "charge.succeeded", unattributed.charge(), unattributed.at),
    ...paidThroughCheckout(translator),
    stripeEvent("evt_expired", "checkout.session.expired", expired, t - 2 * day),
    stripeEvent("evt_failed", "charge.failed", failed, t - day),
    // Before the period: cus_grow and cus_gone pay; within it, one grows, one leaves, one arrives.
    stripeEvent(
      "evt_sub_grow",
      "customer.subscription.created",
      subscription("sub_grow", "cus_grow", "active", [[1_000, "month"]], "usd", t - 40 * day),
      t - 40 * day,
    ),
    stripeEvent(
      "evt_sub_gone",
      "customer.subscription.created",
      subscription("sub_gone", "cus_gone", "active", [[2_000, "month"]], "usd", t - 40 * day),
      t - 40 * day,
    ),
    stripeEvent(
      "evt_sub_grow2",
      "customer.subscription.updated",
      subscription("sub_grow", "cus_grow", "active", [[3_000, "month"]], "usd", t - 40 * day),
      t - 5 * day,
    ),
    stripeEvent(
      "evt_sub_gone2",
      "customer.subscription.deleted",
      subscription("sub_gone", "cus_gone", "canceled", [[2_000, "month"]], "usd", t - 40 * day),
      t - 4 * day,
    ),
    stripeEvent(
      "evt_sub_new",
      "customer.subscription.created",
      subscription("sub_new", "cus_new", "active", [[1_500, "month"]], "usd", t - 3 * day),
      t - 3 * day,
    ),
  ];
  const result = await replayStripeEvents(deps, events);
  assert.deepEqual(result.statuses, { processed: events.length }, "every event processed");
  const fiveDaysAgo = new Date((t - 5 * day) * 1000).toISOString().slice(0, 10);
  await addExpenses(
    deps.db,
    [
      {
        name: "Hosting",
        category: "hosting",
        amount: "30.00",
        currency: "usd",
        from: fiveDaysAgo,
        idea: "summarizer",
      },
    ],
    new Date(),
  );
}

/** The cells of a table row (or bar row) by their test ids. */
async function texts(row: Locator, testIds: string[]): Promise<string[]> {
  return Promise.all(
    testIds.map(async (id) => ((await row.getByTestId(id).textContent({ timeout: 2_000 })) ?? "").trim()),
  );
}

/**
 * Waits until the cells read `expected`. The page's three requests are polled apart, and one may
 * answer while the money is still being written: a table can show a state on the way there.
 */
async function seeTexts(row: Locator, testIds: string[], expected: string[], what: string): Promise<void> {
  await waitFor(
    async () => {
      assert.deepEqual(await texts(row, testIds), expected);
      return true;
    },
    { what, timeoutMs: visibleWithinMs },
  );
}

function roiRow(page: Page, table: string, key: string, currency = "usd"): Locator {
  return page
    .getByTestId(table)
    .locator(`[data-testid="roi-row"][data-key="${key}"][data-currency="${currency}"]`);
}

test("the Money page shows the ledger's money, and a payment made while it is open", {
  timeout: 180_000,
}, async (t) => {
  const { deps, url, page, pageErrors, shots } = await openDashboard(t, {
    viewport: { width: 1400, height: 900 },
  });

  // No money yet: the page says how it arrives.
  await page.goto(`${url}/#/money`);
  assert.equal(await page.getByTestId("nav-money").getAttribute("aria-current"), "page");
  const empty = page.getByTestId("money-empty");
  await empty.waitFor({ timeout: visibleWithinMs });
  assert.match((await empty.textContent()) ?? "", /POST \/webhooks\/stripe.*steward expense add/s);
  await page.getByTestId("mrr-empty").waitFor({ timeout: visibleWithinMs });
  assert.equal(await page.getByTestId("money-mode").getAttribute("data-mode"), "live");
  assert.match((await page.getByTestId("money-refresh").textContent()) ?? "", /refreshes every 5 s/);
  await page.screenshot({ path: path.join(shots, "money-empty.png"), fullPage: true });

  // Money arrives behind the page's back: it draws within a refresh, without a reload.
  await seedMonthOfMoney(deps);
  const chart = page.getByTestId("money-chart");
  // The chart is drawn anew when the money moves, which it may while this looks: measure again
  // rather than fail on a canvas just replaced.
  let seen = "";
  await waitFor(
    async () => {
      const canvas = await chart.locator(".uplot canvas").first().boundingBox({ timeout: 2_000 });
      const legend = (await chart.locator(".u-legend").textContent({ timeout: 2_000 })) ?? "";
      seen = `canvas ${JSON.stringify(canvas)}, legend "${legend}"`;
      return (
        canvas !== null &&
        canvas.width > 600 &&
        canvas.height > 100 &&
        ["revenue", "expenses", "AI spend"].every((line) => legend.includes(line))
      );
    },
    { what: "the chart drawn at its size, with its three lines", timeoutMs: visibleWithinMs },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen ${seen}`);
  });
  assert.match(
    (await page.getByTestId("money-missing-rates").textContent()) ?? "",
    /Left out: EUR, with no rate in money\.rates/,
  );

  // ROI by idea: the ledger's numbers, formatted in the row's currency. The expense is written
  // last: once its cost shows, the answer holds everything seeded, and so do the metrics below,
  // which come with it.
  const summarizer = roiRow(page, "roi-by-idea", "summarizer");
  await seeTexts(
    summarizer,
    ["roi-key", "roi-revenue", "roi-cost", "roi-profit", "roi-value"],
    ["summarizer", "100.00", "30.00", "70.00", "233%"],
    "the summarizer's ROI",
  );
  assert.deepEqual(await texts(roiRow(page, "roi-by-idea", ""), ["roi-key", "roi-revenue", "roi-value"]), [
    "(unattributed)",
    "30.00",
    "–",
  ]);
  assert.deepEqual(
    await texts(roiRow(page, "roi-by-idea", "translator", "eur"), ["roi-revenue", "roi-value"]),
    ["50.00", "–"],
  );
  const bar = await summarizer.locator(".roi-bar").boundingBox();
  assert.ok(bar !== null && bar.width > 20, "the best ROI has a bar to see");
  assert.equal(await roiRow(page, "roi-by-idea", "").locator(".roi-bar").count(), 0, "no ROI, no bar");
  // By stream (its own request): the payment's own stream; the rest, and the expense, which names
  // none, unattributed.
  await seeTexts(
    roiRow(page, "roi-by-stream", "checkout"),
    ["roi-revenue", "roi-cost"],
    ["100.00", "0.00"],
    "the checkout stream's ROI",
  );
  await seeTexts(
    roiRow(page, "roi-by-stream", ""),
    ["roi-key", "roi-revenue", "roi-cost"],
    ["(unattributed)", "30.00", "30.00"],
    "the unattributed stream's ROI",
  );

  // The funnel: three checkouts (one expired), three charges paid, one refunded.
  assert.deepEqual(await page.getByTestId("funnel-count").allTextContents(), ["3", "2", "3", "1", "0"]);
  assert.equal(await page.getByTestId("funnel-conversion").textContent(), "67%");
  assert.deepEqual(
    await texts(page.getByTestId("money-payments"), [
      "payments-failed",
      "payments-failure-rate",
      "payments-recovered",
    ]),
    ["1", "25%", "0"],
  );

  // MRR: 30.00 at the start, +15.00 new, +20.00 expansion, −20.00 churn, 45.00 at the end.
  const usdMrr = page.locator('[data-testid="mrr-currency"][data-currency="usd"]');
  assert.deepEqual(await usdMrr.getByTestId("mrr-value").allTextContents(), [
    "30.00 USD",
    "15.00 USD",
    "20.00 USD",
    "0.00 USD",
    "0.00 USD",
    "20.00 USD",
    "45.00 USD",
  ]);
  assert.deepEqual(await texts(usdMrr, ["mrr-customers", "mrr-arpa", "mrr-ltv"]), [
    "2 → 2",
    "22.50 USD",
    "45.00 USD",
  ]);
  assert.match((await usdMrr.getByTestId("mrr-churn-rate").textContent()) ?? "", /^50% \(1 of 2 left\)/);

  // A fifth of the dollars name no idea; all the euros do.
  const unattributedUsd = page.locator('[data-testid="unattributed-row"][data-currency="usd"]');
  assert.deepEqual(await texts(unattributedUsd, ["unattributed-share", "unattributed-amounts"]), [
    "20%",
    "30.00 USD of 150.00 USD",
  ]);
  assert.equal(
    await page
      .locator('[data-testid="unattributed-row"][data-currency="eur"]')
      .getByTestId("unattributed-share")
      .textContent(),
    "0%",
  );

  await assertNoCardOverflows(page, "money");
  await page.screenshot({ path: path.join(shots, "money-wide.png"), fullPage: true });

  // A payment made while the page is open: it moves the idea's row and the funnel by itself.
  const more = checkoutPayment("summarizer2", {
    amount: 5_000,
    at: now() - 60,
    metadata: { idea: "summarizer" },
  });
  assert.deepEqual((await replayStripeEvents(deps, paidThroughCheckout(more))).statuses, { processed: 3 });
  await waitFor(async () => (await summarizer.getByTestId("roi-revenue").textContent()) === "150.00", {
    what: "the new payment in the summarizer's row",
    timeoutMs: visibleWithinMs,
  });
  assert.equal(await summarizer.getByTestId("roi-value").textContent(), "400%");
  assert.deepEqual(await page.getByTestId("funnel-count").allTextContents(), ["4", "3", "4", "1", "0"]);

  // On a narrow window the cards stack and nothing overflows.
  await page.setViewportSize({ width: 800, height: 900 });
  await waitFor(
    async () => {
      const below = await page.getByTestId("money-payments").boundingBox();
      const above = await page.getByTestId("money-funnel").boundingBox();
      return below !== null && above !== null && below.y > above.y + above.height;
    },
    { what: "the funnel and the payments stacked", timeoutMs: 5_000 },
  );
  await assertNoCardOverflows(page, "money, narrow");
  await page.screenshot({ path: path.join(shots, "money-narrow.png"), fullPage: true });
  assert.deepEqual(pageErrors, []);
});

test("the dashboard formats money with the engine's decimals", () => {
  // The dashboard's table is written again (web/ takes only types from src/): the two must agree.
  const codes = [
    "usd",
    "eur",
    "gbp",
    "jpy",
    "krw",
    "vnd",
    "clp",
    "xof",
    "bhd",
    "kwd",
    "jod",
    "omr",
    "tnd",
    "chf",
  ];
  for (const code of [
    "bif",
    "djf",
    "gnf",
    "kmf",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vuv",
    "xaf",
    "xpf",
    "isk",
    "huf",
  ])
    codes.push(code);
  for (const code of codes) {
    assert.equal(dashboardDecimals(code), currencyDecimals(code), code);
    for (const minor of [0, 5, 1_250, -1_250, 123_456])
      assert.equal(
        formatMoney(minor, code).replaceAll(",", ""),
        formatMinor(minor, code),
        `${minor} ${code}`,
      );
  }
  assert.equal(formatMoney(123_456_789, "usd"), "1,234,567.89 USD");
  assert.equal(formatMoney(5_000, "JPY", { code: false }), "5,000");
});
