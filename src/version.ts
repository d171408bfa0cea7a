import { readFileSync } from "node:fs";

/** Steward's version, from package.json (same depth from src/ and dist/). */
export const version: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
