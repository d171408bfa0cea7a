import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { backfills, findBackfill } from "../../backfill/backfills.ts";
import type { BackfillProgress } from "../../backfill/run-backfill.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { exitCodes } from "../exit-codes.ts";
import { progressReporter } from "../progress-reporter.ts";
import { renderTable } from "../render-table.ts";

export function registerBackfillCommand(
  program: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  program
    .command("backfill")
    .description("run a resumable, batched backfill (`steward backfill list` shows them)")
    .argument("<name>", "the backfill to run, or `list`")
    .option("--batch-size <n>", "rows per batch (each batch commits with its cursor)", positiveInt, 1000)
    .option("--restart", "forget saved progress and start from the beginning")
    .action(async (name: string, opts: { batchSize: number; restart?: boolean }, command: Command) => {
      const options = globalOptions(command);
      if (name === "list") {
        if (options.json)
          return io.out(JSON.stringify(backfills.map(({ name, description }) => ({ name, description }))));
        return io.out(
          renderTable(
            ["NAME", "DESCRIPTION"],
            backfills.map((b) => [b.name, b.description]),
            { width: tableWidth(io, options) },
          ),
        );
      }
      const backfill = findBackfill(name);
      await withClient(options, { command: "backfill", needsSchema: true }, async (client) => {
        // Ctrl-C stops after the batch in flight; running the command again resumes.
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        const progress = progressReporter(io, Boolean(options.json), "rows");
        try {
          const result = await client.runBackfill(backfill.name, {
            batchSize: opts.batchSize,
            restart: opts.restart,
            signal: controller.signal,
            onProgress: (p: BackfillProgress) => progress.update(p.done, p.total, `${p.changed} changed`),
          });
          progress.stop();
          if (options.json) return io.out(JSON.stringify(result));
          const from = result.resumedFrom > 0 ? ` (resumed after id ${result.resumedFrom})` : "";
          io.out(
            result.status === "done"
              ? `${backfill.name}: done${from}. ${result.rowsSeen} rows visited, ${result.rowsChanged} changed, in ${result.batches} batches.`
              : `${backfill.name}: interrupted after ${result.batches} batches (${result.rowsChanged} rows changed). Run it again to resume.`,
          );
          if (result.status === "interrupted") setExit(exitCodes.interrupted);
        } finally {
          progress.stop();
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      });
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new InvalidArgumentError("expected a whole number from 1 to 100000");
  return n;
}
