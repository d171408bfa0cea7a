import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** Resolved here, so that the CLI can run from any folder. */
const tsx = import.meta.resolve("tsx");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StewardProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts `steward <args>` from the sources in a child process, with an environment free of
 * Steward's own variables (a test states all it depends on), collecting what it prints.
 */
export function spawnSteward(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): StewardProcess {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("STEWARD_")));
  const child = spawn(process.execPath, ["--import", tsx, `${root}src/cli/main.ts`, ...args], {
    cwd: options.cwd ?? root,
    env: { ...env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  }) as unknown as ChildProcessWithoutNullStreams;
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Runs `steward <args>` to completion, as a person would run it. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { child, stdout, stderr } = spawnSteward(args, options);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`steward ${args.join(" ")} did not finish in ${timeoutMs} ms\n${stdout()}\n${stderr()}`),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout(), stderr: stderr() });
    });
  });
}
