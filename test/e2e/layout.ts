import assert from "node:assert/strict";
import type { Page } from "playwright-core";

/** No card is wider than the room it has: the widest content wraps or scrolls inside it. */
export async function assertNoCardOverflows(page: Page, where: string): Promise<void> {
  const overflowing = await page
    .locator(".card, main")
    .evaluateAll((elements) =>
      elements
        .filter((el) => el.scrollWidth > el.clientWidth)
        .map(
          (el) => `${el.getAttribute("data-testid") ?? el.className}: ${el.scrollWidth} > ${el.clientWidth}`,
        ),
    );
  assert.deepEqual(overflowing, [], `${where}: cards wider than their room`);
}

/** How wide and tall the whole page is laid out, and how wide the window is. */
export async function pageSize(page: Page): Promise<{ width: number; height: number; window: number }> {
  return page.locator("html").evaluate((html) => ({
    width: html.scrollWidth,
    height: html.scrollHeight,
    window: html.clientWidth,
  }));
}
