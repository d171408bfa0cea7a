import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import type { TaskStatus } from "../../tasks/task.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { commaList, taskId, wholeNumber } from "../parse-options.ts";
import { renderExplanation } from "../render-explanation.ts";
import { renderTaskDetail, renderTaskTable } from "../render-task.ts";

const statuses: TaskStatus[] = ["blocked", "queued", "running", "succeeded", "failed", "cancelled"];

export function registerTaskListCommands(task: Command, io: CommandIo): void {
  task
    .command("ls")
    .description("list tasks, newest first")
    .option("--status <statuses>", `only these statuses, comma-separated: ${statuses.join(", ")}`, commaList)
    .option("--kind <kinds>", "only these kinds, comma-separated", commaList)
    .option("--search <text>", "a task id, or text in the kind, stage, model or error message")
    .option("--limit <n>", "at most this many (1–500)", wholeNumber, 50)
    .action(async (opts: { status?: string[]; kind?: string[]; search?: string; limit: number }, command) => {
      const options = globalOptions(command);
      const status = checkStatuses(opts.status);
      await withClient(options, { command: "task ls", needsSchema: true }, async (client) => {
        const tasks = await client.listTasks({
          status,
          kind: opts.kind,
          search: opts.search,
          limit: opts.limit,
        });
        if (options.json) return io.out(JSON.stringify(tasks));
        if (tasks.length === 0) return io.out("No tasks match.");
        io.out(renderTaskTable(tasks, new Date(), tableWidth(io, options)));
        if (tasks.length === Math.min(Math.max(opts.limit, 1), 500))
          io.out(
            `\n${tasks.length} newest shown; narrow with --status, --kind or --search, or raise --limit.`,
          );
      });
    });

  task
    .command("show")
    .description("one task: its fields, payload, result, error, dependencies and attempts")
    .argument("<id>", "the task's id", taskId)
    .action(async (id: number, _opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task show", needsSchema: true }, async (client) => {
        const detail = await client.getTask(id);
        if (options.json) return io.out(JSON.stringify(detail));
        io.out(renderTaskDetail(detail, new Date()));
      });
    });

  task
    .command("explain")
    .description("why the task's model was chosen: every model considered, the score of each factor")
    .argument("<id>", "the task's id", taskId)
    .action(async (id: number, _opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task explain", needsSchema: true }, async (client) => {
        const detail = await client.getTask(id);
        if (options.json)
          return io.out(
            JSON.stringify({
              id: detail.id,
              aiModel: detail.aiModel,
              pinnedModel: detail.pinnedModel,
              assignment: detail.assignment,
              attempts: detail.attemptHistory.map((a) => ({
                attempt: a.attempt,
                aiModel: a.aiModel,
                outcome: a.outcome,
                assignment: a.assignment,
              })),
            }),
          );
        io.out(renderExplanation(detail, new Date(), tableWidth(io, options)));
      });
    });

  task
    .command("dead")
    .description("list dead tasks (failed for good), to retry with `steward task retry --all-dead`")
    .option("--kind <kinds>", "only these kinds, comma-separated", commaList)
    .option("--limit <n>", "at most this many (1–500)", wholeNumber, 50)
    .action(async (opts: { kind?: string[]; limit: number }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "task dead", needsSchema: true }, async (client) => {
        const { total, tasks } = await client.deadTasks({ kinds: opts.kind, limit: opts.limit });
        if (options.json) return io.out(JSON.stringify({ total, tasks }));
        if (total === 0) return io.out("No dead tasks.");
        const kinds = opts.kind?.length ? ` --kind ${opts.kind.join(",")}` : "";
        io.out(renderTaskTable(tasks, new Date(), tableWidth(io, options)));
        io.out(
          `\n${total} dead task${total === 1 ? "" : "s"}${tasks.length < total ? ` (${tasks.length} newest shown)` : ""}. ` +
            `Queue ${total === 1 ? "it" : "them all"} again with \`steward task retry --all-dead${kinds}\`, or some with \`steward task retry <id…>\`.`,
        );
      });
    });
}

function checkStatuses(given: string[] | undefined): TaskStatus[] | undefined {
  if (given === undefined) return undefined;
  const wrong = given.filter((s) => !statuses.includes(s as TaskStatus));
  if (wrong.length > 0)
    throw new StewardError(
      "validation_failed",
      `--status: ${wrong.map((s) => `"${s}"`).join(", ")} is no task status; use ${statuses.join(", ")}.`,
    );
  return given as TaskStatus[];
}
