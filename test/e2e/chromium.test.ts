import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { chooseChromium } from "./chromium.ts";

describe("the browser tests' Chromium", () => {
  it("falls back to the binary inside @sparticuz/chromium, with background networking off", async () => {
    const choice = await chooseChromium({ STEWARD_TEST_CHROMIUM: "bundled" });
    assert.match(choice.source, /^@sparticuz\/chromium 153\./);
    assert.ok(existsSync(choice.executablePath), choice.executablePath);
    for (const flag of ["--disable-background-networking", "--disable-component-update", "--disable-sync"]) {
      assert.ok(choice.args.includes(flag), `${flag} missing from ${choice.args.join(" ")}`);
    }
  });

  it("uses the executable STEWARD_TEST_CHROMIUM names, and refuses one that is not there", async () => {
    const bundled = await chooseChromium({ STEWARD_TEST_CHROMIUM: "bundled" });
    const named = await chooseChromium({ STEWARD_TEST_CHROMIUM: bundled.executablePath });
    assert.equal(named.source, "STEWARD_TEST_CHROMIUM");
    assert.equal(named.executablePath, bundled.executablePath);
    await assert.rejects(
      chooseChromium({ STEWARD_TEST_CHROMIUM: "/nowhere/chromium" }),
      /STEWARD_TEST_CHROMIUM is "\/nowhere\/chromium", which does not exist/,
    );
  });
});
