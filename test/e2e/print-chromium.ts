import { chromium } from "playwright-core";
import { chooseChromium } from "./chromium.ts";

// Says which Chromium the browser tests will drive, and proves it launches (CI prints this).
const choice = await chooseChromium();
const browser = await chromium.launch({
  executablePath: choice.executablePath,
  args: choice.args,
  headless: true,
});
console.log(`Chromium ${browser.version()} from ${choice.source}: ${choice.executablePath}`);
await browser.close();
