import type { Command } from "commander";
import type { CommandIo } from "../command-context.ts";
import { registerTaskAddCommand } from "./task-add-command.ts";
import { registerTaskControlCommands } from "./task-control-command.ts";
import { registerTaskListCommands } from "./task-list-command.ts";

/**
 * `steward task …`: add, look at and steer tasks. Each subcommand parses its input, calls one
 * engine function (src/tasks/) and renders the result; `--json` prints it for machines.
 */
export function registerTaskCommand(program: Command, io: CommandIo, setExit: (code: number) => void): void {
  const task = program
    .command("task")
    .description("add, list, inspect, cancel, retry and pause tasks")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  steward task add sleep --payload '{\"ms\": 500}' --urgency 8\n" +
        "  steward task add --file tasks.jsonl        (one JSON task a line; - reads stdin)\n" +
        "  steward task ls --status failed --kind sleep\n" +
        "  steward task show 42\n" +
        "  steward task retry --all-dead",
    );
  registerTaskAddCommand(task, io);
  registerTaskListCommands(task, io);
  registerTaskControlCommands(task, io, setExit);
}
