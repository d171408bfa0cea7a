import cliProgress from "cli-progress";
import type { CommandIo } from "./command-context.ts";

export interface ProgressReporter {
  /** `done` of `total` units so far; `note` says what else to show (`12 changed`). */
  update(done: number, total: number, note?: string): void;
  stop(): void;
}

/**
 * A long operation's progress on stderr: a bar on a terminal; a line every 10% otherwise (logs,
 * CI); nothing with --json, whose output is for machines.
 */
export function progressReporter(io: CommandIo, json: boolean, unit: string): ProgressReporter {
  if (json) return { update: () => {}, stop: () => {} };
  if (io.isTty) {
    const bar = new cliProgress.SingleBar(
      {
        format: `{bar} {percentage}% | {value}/{total} ${unit} | {note} | eta {eta}s`,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (done, total, note = "") => {
        if (!started) {
          bar.start(total, done, { note });
          started = true;
        } else bar.update(done, { note });
        bar.setTotal(total);
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let lastDecile = -1;
  return {
    update: (done, total, note) => {
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      io.err(`progress: ${done}/${total} ${unit} (${decile * 10}%)${note ? `, ${note}` : ""}`);
    },
    stop: () => {},
  };
}
