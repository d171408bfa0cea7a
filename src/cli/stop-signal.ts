import type { CommandIo } from "./command-context.ts";

/**
 * Resolves on the first SIGINT or SIGTERM, so that a long-running command can stop gracefully.
 * A second signal while it stops exits at once (status 130): a person pressing Ctrl-C twice
 * means it. Tasks still running then return to the queue when their leases expire.
 */
export function waitForStopSignal(io: CommandIo): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (!received) {
        received = true;
        return resolve(signal);
      }
      io.err(
        `steward: ${signal} again, exiting without waiting; tasks still running return to the queue when their leases expire.`,
      );
      process.exit(130);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
