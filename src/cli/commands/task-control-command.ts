import type { Command } from "commander";
import type { StewardHandle } from "../../app/open-steward.ts";
import { StewardError } from "../../errors.ts";
import { type ChangedTask, cancelTasks, retryTasks } from "../../tasks/cancel-tasks.ts";
import { retryDeadTasks } from "../../tasks/dead-tasks.ts";
import { listPausedKinds, pauseKinds, resumeKinds } from "../../tasks/pause-kinds.ts";
import { getTask } from "../../tasks/query-tasks.ts";
import { requireKnownKinds } from "../../tasks/require-kinds.ts";
import { type CommandIo, globalOptions, withSteward } from "../command-context.ts";
import { commaList, taskIds, wholeNumber } from "../parse-options.ts";
import { renderKindTable } from "../render-task.ts";

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
      await withSteward(options, async (steward) => {
        const changed = await cancelTasks(steward.db, ids, opts.reason);
        const report = await changeReport(steward, ids, changed);
        if (options.json) io.out(JSON.stringify(report));
        else {
          const wasRunning = changed.filter((c) => c.from === "running").length;
          io.out(
            changed.length
              ? `Cancelled ${list(changed.map((c) => c.id))}${wasRunning ? ` (${wasRunning} running: ${wasRunning === 1 ? "its worker was" : "their workers were"} told to stop)` : ""}.`
              : "Cancelled nothing.",
          );
          printUnchanged(io, report, "cancelled", "a finished task stays as it is");
        }
        if (report.missing.length) setExit(1);
      });
    });

  task
    .command("retry")
    .description("queue failed or cancelled tasks again, with more attempts")
    .argument("[id...]", "the tasks' ids", taskIds)
    .option("--all-dead", "every dead (failed) task; with --kind, of those kinds")
    .option("--kind <kind...>", "with --all-dead: only these kinds", commaList)
    .option("--attempts <n>", "attempts to add (default tasks.defaultMaxAttempts)", wholeNumber)
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
        await withSteward(options, async (steward) => {
          const attempts = opts.attempts ?? steward.config.tasks.defaultMaxAttempts;
          if (opts.allDead) {
            if (opts.kind) requireKnownKinds(steward.kinds, opts.kind);
            const changed = await retryDeadTasks(steward.db, { kinds: opts.kind, extraAttempts: attempts });
            if (options.json) return io.out(JSON.stringify({ changed }));
            return io.out(
              changed.length
                ? `Queued ${changed.length} dead task${changed.length === 1 ? "" : "s"} again with ${attempts} more attempt${attempts === 1 ? "" : "s"} each${blockedNote(changed)}.`
                : "No dead tasks to retry.",
            );
          }
          const changed = await retryTasks(steward.db, named, attempts);
          const report = await changeReport(steward, named, changed);
          if (options.json) io.out(JSON.stringify(report));
          else {
            io.out(
              changed.length
                ? `Queued ${list(changed.map((c) => c.id))} again with ${attempts} more attempt${attempts === 1 ? "" : "s"}${blockedNote(changed)}.`
                : "Retried nothing.",
            );
            printUnchanged(io, report, "retried", "only failed and cancelled tasks are retried");
          }
          if (report.missing.length) setExit(1);
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
      await withSteward(options, async (steward) => {
        requireKnownKinds(steward.kinds, kinds);
        await pauseKinds(steward.db, kinds, opts.reason ?? null);
        if (options.json) return io.out(JSON.stringify({ paused: kinds }));
        io.out(
          `Paused ${kinds.join(", ")}: no worker claims ${kinds.length === 1 ? "its" : "their"} tasks until \`steward task resume ${kinds.join(" ")}\`. Running tasks finish.`,
        );
      });
    });

  task
    .command("resume")
    .description("let workers claim tasks of these kinds again")
    .argument("<kind...>", "the kinds")
    .action(async (kinds: string[], _opts, command: Command) => {
      const options = globalOptions(command);
      await withSteward(options, async (steward) => {
        const paused = new Set((await listPausedKinds(steward.db)).map((p) => p.kind));
        // A kind paused by a Steward that knows more kinds can be resumed from this one too.
        requireKnownKinds(
          steward.kinds,
          kinds.filter((k) => !paused.has(k)),
        );
        await resumeKinds(steward.db, kinds);
        const resumed = kinds.filter((k) => paused.has(k));
        const notPaused = kinds.filter((k) => !paused.has(k));
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
      await withSteward(options, async (steward) => {
        const pauses = await listPausedKinds(steward.db);
        const kinds = steward.kinds.all();
        if (options.json) {
          const paused = new Map(pauses.map((p) => [p.kind, p]));
          return io.out(
            JSON.stringify(
              kinds.map((k) => ({
                name: k.name,
                description: k.description,
                stage: k.defaults?.stage ?? k.name,
                paused: paused.has(k.name),
                pausedAt: paused.get(k.name)?.pausedAt ?? null,
                pauseReason: paused.get(k.name)?.reason ?? null,
              })),
            ),
          );
        }
        io.out(renderKindTable(kinds, pauses));
      });
    });
}

interface ChangeReport {
  changed: ChangedTask[];
  /** Named tasks that exist but were not in a state to change. */
  unchanged: { id: number; status: string }[];
  /** Ids that name no task. */
  missing: number[];
}

/** Says, for each named id that did not change, why: its status, or that there is no such task. */
async function changeReport(
  steward: StewardHandle,
  ids: number[],
  changed: ChangedTask[],
): Promise<ChangeReport> {
  const done = new Set(changed.map((c) => c.id));
  const report: ChangeReport = { changed, unchanged: [], missing: [] };
  for (const id of [...new Set(ids)].filter((i) => !done.has(i))) {
    const task = await getTask(steward.db, id);
    if (task === null) report.missing.push(id);
    else report.unchanged.push({ id, status: task.status });
  }
  return report;
}

function printUnchanged(io: CommandIo, report: ChangeReport, verb: string, rule: string): void {
  if (report.unchanged.length)
    io.out(`Not ${verb} (${rule}): ${report.unchanged.map((u) => `${u.id} is ${u.status}`).join(", ")}.`);
  if (report.missing.length) io.err(`steward: no task with id ${report.missing.join(", ")}.`);
}

function blockedNote(changed: ChangedTask[]): string {
  const blocked = changed.filter((c) => c.to === "blocked").length;
  return blocked ? ` (${blocked} blocked until ${blocked === 1 ? "its" : "their"} dependencies succeed)` : "";
}

function list(ids: number[]): string {
  const shown = ids.slice(0, 20).join(", ");
  return `${ids.length === 1 ? "task" : `${ids.length} tasks:`} ${shown}${ids.length > 20 ? ", …" : ""}`;
}
