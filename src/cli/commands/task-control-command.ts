import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import type { ChangedTask } from "../../tasks/cancel-tasks.ts";
import { allowedStates, type ChangeReport } from "../../tasks/change-tasks.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { exitCodes } from "../exit-codes.ts";
import { commaList, taskIds, wholeNumber } from "../parse-options.ts";
import { renderKindTable } from "../render-task.ts";
import type { Jsonified } from "../steward-client.ts";

export function registerTaskControlCommands(
  task: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  task
    .command("cancel")
    .description("cancel queued, blocked or running tasks (a running one's worker is told to stop)")
    .argument("<id...>", "the tasks' ids", taskIds)
    .option("--reason <text>", "why, recorded as the task's error", "cancelled by request")
    .addHelpText("after", "\nExit status: 1 when an id names no task; finished tasks are left as they are.")
    .action(async (ids: number[], opts: { reason: string }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task cancel", needsSchema: true }, async (client) => {
        const report = await client.cancelTasks(ids, opts.reason);
        if (options.json) io.out(JSON.stringify(report));
        else {
          const { changed } = report;
          const wasRunning = changed.filter((c) => c.from === "running").length;
          io.out(
            changed.length
              ? `Cancelled ${list(changed.map((c) => c.id))}${wasRunning ? ` (${wasRunning} running: ${wasRunning === 1 ? "its worker was" : "their workers were"} told to stop)` : ""}.`
              : "Cancelled nothing.",
          );
          printUnchanged(io, report, "cancelled");
        }
        if (report.missing.length) setExit(exitCodes.answerIsNo);
      });
    });

  task
    .command("retry")
    .description("queue failed or cancelled tasks again, with more attempts")
    .argument("[id...]", "the tasks' ids", taskIds)
    .option("--all-dead", "every dead (failed) task; with --kind, of those kinds")
    .option("--kind <kinds>", "with --all-dead: only these kinds, comma-separated", commaList)
    .option("--attempts <n>", "attempts to add (default: tasks.defaultMaxAttempts)", wholeNumber)
    .addHelpText("after", "\nExit status: 1 when an id names no task.")
    .action(
      async (
        ids: number[] | undefined,
        opts: { allDead?: boolean; kind?: string[]; attempts?: number },
        command: Command,
      ) => {
        const options = globalOptions(command);
        const named = ids ?? [];
        if (Boolean(opts.allDead) === named.length > 0)
          throw new StewardError(
            "validation_failed",
            opts.allDead
              ? "Give task ids or --all-dead, not both."
              : "Name the tasks to retry (`steward task retry 12 15`), or give --all-dead (`steward task dead` lists them).",
          );
        if (opts.kind && !opts.allDead)
          throw new StewardError(
            "validation_failed",
            "--kind goes with --all-dead; named tasks are retried whatever their kind.",
          );
        await withClient(options, { command: "task retry", needsSchema: true }, async (client) => {
          if (opts.allDead) {
            const { changed, attempts } = await client.retryAllDead({
              kinds: opts.kind,
              attempts: opts.attempts,
            });
            if (options.json) return io.out(JSON.stringify({ changed, attempts }));
            return io.out(
              changed.length
                ? `Queued ${changed.length} dead task${changed.length === 1 ? "" : "s"} again with ${attempts} more attempt${attempts === 1 ? "" : "s"} each${blockedNote(changed)}.`
                : "No dead tasks to retry.",
            );
          }
          const report = await client.retryTasks(named, opts.attempts);
          const { changed, attempts } = report;
          if (options.json) io.out(JSON.stringify(report));
          else {
            io.out(
              changed.length
                ? `Queued ${list(changed.map((c) => c.id))} again with ${attempts} more attempt${attempts === 1 ? "" : "s"}${blockedNote(changed)}.`
                : "Retried nothing.",
            );
            printUnchanged(io, report, "retried");
          }
          if (report.missing.length) setExit(exitCodes.answerIsNo);
        });
      },
    );

  task
    .command("pause")
    .description("stop workers claiming tasks of these kinds (running ones finish)")
    .argument("<kind...>", "the kinds")
    .option("--reason <text>", "why (shown by `steward task kinds`)")
    .action(async (kinds: string[], opts: { reason?: string }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task pause", needsSchema: true }, async (client) => {
        const { paused } = await client.pauseKinds(kinds, opts.reason);
        if (options.json) return io.out(JSON.stringify({ paused }));
        io.out(
          `Paused ${paused.join(", ")}: no worker claims ${paused.length === 1 ? "its" : "their"} tasks until \`steward task resume ${paused.join(" ")}\`. Running tasks finish.`,
        );
      });
    });

  task
    .command("resume")
    .description("let workers claim tasks of these kinds again")
    .argument("<kind...>", "the kinds")
    .action(async (kinds: string[], _opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task resume", needsSchema: true }, async (client) => {
        const { resumed, notPaused } = await client.resumeKinds(kinds);
        if (options.json) return io.out(JSON.stringify({ resumed, notPaused }));
        if (resumed.length)
          io.out(
            `Resumed ${resumed.join(", ")}: workers claim ${resumed.length === 1 ? "its" : "their"} tasks again.`,
          );
        if (notPaused.length)
          io.out(`${notPaused.join(", ")} ${notPaused.length === 1 ? "was" : "were"} not paused.`);
      });
    });

  task
    .command("kinds")
    .description("the task kinds this Steward knows, with their default stage and whether they are paused")
    .action(async (_opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task kinds", needsSchema: true }, async (client) => {
        const kinds = await client.kinds();
        if (options.json) return io.out(JSON.stringify(kinds));
        io.out(renderKindTable(kinds, tableWidth(io, options)));
      });
    });
}

/** Says, for each named task that did not change, why; and which ids name no task. */
function printUnchanged(io: CommandIo, report: Jsonified<ChangeReport>, verb: string): void {
  if (report.unchanged.length) {
    const rule = `only ${allowedStates(report.unchanged[0]!.allowed)} tasks are ${verb}`;
    io.out(`Not ${verb} (${rule}): ${report.unchanged.map((u) => `${u.id} is ${u.status}`).join(", ")}.`);
  }
  if (report.missing.length) io.err(`steward: no task with id ${report.missing.join(", ")}.`);
}

function blockedNote(changed: Jsonified<ChangedTask>[]): string {
  const blocked = changed.filter((c) => c.to === "blocked").length;
  return blocked ? ` (${blocked} blocked until ${blocked === 1 ? "its" : "their"} dependencies succeed)` : "";
}

function list(ids: number[]): string {
  const shown = ids.slice(0, 20).join(", ");
  return `${ids.length === 1 ? "task" : `${ids.length} tasks:`} ${shown}${ids.length > 20 ? ", …" : ""}`;
}
