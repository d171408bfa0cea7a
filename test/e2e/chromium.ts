import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Which Chromium the browser tests drive, so that they need nothing but `npm ci`:
 *   1. STEWARD_TEST_CHROMIUM=<path>: that executable (an error if it is not there);
 *      STEWARD_TEST_CHROMIUM=bundled: skip the system lookup and use the one below;
 *   2. a system Chromium at /usr/bin/chromium (Debian's `chromium` package);
 *   3. the Chromium binary inside the npm package @sparticuz/chromium (a devDependency).
 */

export interface ChromiumChoice {
  executablePath: string;
  args: string[];
  source: string;
}

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const systemChromium = "/usr/bin/chromium";

// There is no network: keep Chromium from reaching out to Google services, and from needing a
// sandbox or a GPU in containers.
const offlineArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-breakpad",
  "--metrics-recording-only",
];

export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const wanted = env.STEWARD_TEST_CHROMIUM?.trim();
  if (wanted && wanted !== "bundled") {
    if (!existsSync(wanted)) {
      throw new Error(
        `STEWARD_TEST_CHROMIUM is "${wanted}", which does not exist: set it to a Chromium executable, ` +
          `to "bundled" for the one inside @sparticuz/chromium, or leave it unset`,
      );
    }
    return { executablePath: wanted, args: ["--headless", ...offlineArgs], source: "STEWARD_TEST_CHROMIUM" };
  }
  if (!wanted && existsSync(systemChromium)) {
    return { executablePath: systemChromium, args: ["--headless", ...offlineArgs], source: "system" };
  }
  return bundledChromium();
}

async function bundledChromium(): Promise<ChromiumChoice> {
  const { default: Chromium } = await import("@sparticuz/chromium");
  const version = packageVersion();
  return {
    executablePath: path.join(unpackOnce(version), "chromium"),
    args: [...Chromium.args, ...offlineArgs],
    source: `@sparticuz/chromium ${version}`,
  };
}

function packageVersion(): string {
  const manifest = path.join(repoRoot, "node_modules", "@sparticuz", "chromium", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/**
 * The package unpacks its binary, fonts and SwiftShader libraries into os.tmpdir() (loose files
 * in /tmp itself). Here it unpacks once per package version into node_modules/.cache instead, in
 * a child process whose TMPDIR is a staging folder that is then renamed into place: nothing lands
 * in the system temp folder, and two test files starting at once cannot interleave their writes
 * (the loser of the rename removes its copy).
 */
function unpackOnce(version: string): string {
  const cache = path.join(repoRoot, "node_modules", ".cache", "steward-chromium");
  const target = path.join(cache, version);
  if (existsSync(path.join(target, "chromium"))) return target;
  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(path.join(cache, `${version}.unpacking-`));
  try {
    execFileSync(
      process.execPath,
      ["--input-type=module", "-e", 'await (await import("@sparticuz/chromium")).default.executablePath();'],
      { cwd: repoRoot, env: { ...process.env, TMPDIR: staging }, stdio: ["ignore", "ignore", "pipe"] },
    );
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, "chromium"))) {
      throw new Error(`Unpacking Chromium from @sparticuz/chromium ${version} failed`, { cause: error });
    }
  }
  return target;
}
