import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { assertNoCardOverflows, pageSize } from "./layout.ts";

/** The Models page's learned success section, as models-page.test.ts sets it up: what it must show. */

/**
 * What sim-smart (code 8, reasoning 7) learned, as the completion statement counts it:
 * [capability, kind, gap, attempts, successes]. Two kinds share code, and differ.
 */
export const smartCounts: [string, string, number, number, number][] = [
  ["code", "summarize", 2, 12, 9],
  ["code", "summarize", -1, 5, 1],
  ["code", "review", 2, 8, 8],
  ["reasoning", "summarize", 0, 6, 4],
];

/**
 * The learned success section: a chart a model, sim-smart's with a prior and a learned curve for
 * each capability it was judged on and a dot for each gap with outcomes, sim-fast's with the prior
 * at its declared level and words that say nothing was learned yet. At 800 px it still fits.
 */
export async function checkLearnedSuccess(page: Page): Promise<void> {
  const section = page.getByTestId("learned-success");
  await section.waitFor();
  assert.equal(await section.getByTestId("success-chart").count(), 2);
  const curves = (id: string) => section.locator(`[data-testid="curve-card"][data-model-id="${id}"]`);
  const capabilities = (id: string, testId: string) =>
    curves(id)
      .getByTestId(testId)
      .evaluateAll((paths) => paths.map((p) => p.getAttribute("data-capability")));

  const smart = curves("sim-smart");
  assert.deepEqual(await capabilities("sim-smart", "curve-prior"), ["code", "reasoning"]);
  assert.deepEqual(await capabilities("sim-smart", "curve-learned"), ["code", "reasoning"]);
  for (const path of await smart.locator('[data-testid="curve-prior"], [data-testid="curve-learned"]').all())
    assert.match((await path.getAttribute("d")) ?? "", /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){100}$/);
  // The declared levels, marked on the axis, each with its title.
  assert.deepEqual(
    await smart.getByTestId("curve-level").evaluateAll((marks) => marks.map((m) => m.textContent)),
    ["code: declared level 8", "reasoning: declared level 7"],
  );
  // A capability keeps its colour: its prior and learned curve, and on every model's chart.
  const stroke = (id: string, testId: string, capability: string) =>
    curves(id).locator(`[data-testid="${testId}"][data-capability="${capability}"]`).getAttribute("stroke");
  assert.equal(
    await stroke("sim-smart", "curve-learned", "code"),
    await stroke("sim-smart", "curve-prior", "code"),
  );
  assert.notEqual(
    await stroke("sim-smart", "curve-learned", "code"),
    await stroke("sim-smart", "curve-learned", "reasoning"),
  );
  assert.notEqual(
    await stroke("sim-fast", "curve-prior", "writing"),
    await stroke("sim-smart", "curve-prior", "code"),
  );

  // The outcomes by gap, every kind together, at complexity = level − gap.
  const points = await smart
    .getByTestId("curve-point")
    .evaluateAll((dots) =>
      dots.map(
        (dot) =>
          [
            dot.getAttribute("data-capability"),
            dot.querySelector("title")?.textContent,
            Number(dot.getAttribute("r")),
          ] as const,
      ),
    );
  assert.deepEqual(
    points.map(([capability, title]) => [capability, title]),
    [
      ["code", "code at complexity 9 (gap −1): 5 attempts, 1 succeeded"],
      ["code", "code at complexity 6 (gap 2): 20 attempts, 17 succeeded"],
      ["reasoning", "reasoning at complexity 7 (gap 0): 6 attempts, 4 succeeded"],
    ],
  );
  // More attempts, a larger dot.
  assert.ok(points[1]![2] > points[2]![2] && points[2]![2] > points[0]![2], JSON.stringify(points));
  assert.match(
    (await smart.locator('[data-testid="curve-line"][data-capability="code"]').textContent()) ?? "",
    /^code: \d+% at its level \(prior 79%\), falls \d\.\d per level \(prior 0\.9\) — 25 attempts$/,
  );
  assert.equal(await smart.getByTestId("curve-nothing-learned").count(), 0);
  assert.match(
    (await smart.locator('[data-testid="curve-kind"][data-kind="review"]').textContent()) ?? "",
    /^(; )?kind review: \+\d\.\d log-odds, 8 attempts$/,
  );

  // Nothing learned: the prior at the declared level, and words that say so.
  const fast = curves("sim-fast");
  assert.equal(
    await fast.getByTestId("curve-nothing-learned").textContent(),
    "nothing learned yet: the prior from its declared levels",
  );
  assert.deepEqual(await capabilities("sim-fast", "curve-prior"), ["writing"]);
  assert.equal(await fast.getByTestId("curve-learned").count(), 0);
  assert.equal(await fast.getByTestId("curve-point").count(), 0);
  assert.equal(
    await fast.getByTestId("curve-line").textContent(),
    "writing: 79% at its level, falls 0.9 per level — the prior, no attempts yet",
  );
  assert.equal(await fast.getByTestId("curve-kinds").textContent(), "Kind corrections: none yet");

  // At 800 px the charts still fit their cards, and the page does not scroll sideways.
  await page.setViewportSize({ width: 800, height: 900 });
  await assertNoCardOverflows(page, "the Models page at 800 px");
  const size = await pageSize(page);
  assert.ok(size.width <= size.window, `the page is ${size.width} px wide in a ${size.window} px window`);
  const chart = await smart.getByTestId("success-chart").boundingBox();
  assert.ok(chart !== null && chart.width >= 300, `the chart is ${chart?.width} px wide at 800 px`);
  await page.setViewportSize({ width: 1280, height: 800 });
}
