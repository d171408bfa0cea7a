import type { ChildProcess } from "node:child_process";
import type { TestContext } from "node:test";
import { spawnSteward } from "../support/run-cli.ts";
import { waitFor } from "../support/wait-for.ts";

/** A long-running `steward` command (worker, start) that a test signals, unlike runCli's run-to-completion. */
export interface SpawnedCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  exited: Promise<number | string>;
  /** Waits until stdout matches, failing (with what was printed) after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Spawns `steward <args>` from the sources; killed after the test if it is still running. */
export function spawnCli(
  t: TestContext,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string },
): SpawnedCli {
  const { child, stdout: printedOut, stderr: printedErr } = spawnSteward(args, options);
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return {
    child,
    stdout: printedOut,
    stderr: printedErr,
    exited,
    async waitForOutput(pattern, timeoutMs = 60_000) {
      const printed = () => `\nstdout: ${printedOut()}\nstderr: ${printedErr()}`;
      // Stops early if the process exits: its output will not change any more.
      await waitFor(() => pattern.test(printedOut()) || child.exitCode !== null, {
        timeoutMs,
        intervalMs: 50,
        what: `${pattern} in the output of steward ${args.join(" ")}`,
      }).catch((error: Error) => {
        throw new Error(`${error.message}${printed()}`);
      });
      if (!pattern.test(printedOut()))
        throw new Error(`steward exited with ${child.exitCode} before printing ${pattern}${printed()}`);
    },
  };
}

/** Resolves with the exit code, or fails after `timeoutMs` (the process is then killed by t.after). */
export async function exitWithin(cli: SpawnedCli, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`did not exit within ${timeoutMs} ms\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
