import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import { type EnqueuedTask, enqueueTasks } from "../../tasks/enqueue-tasks.ts";
import type { TaskInput } from "../../tasks/task-input.ts";
import { type CommandIo, globalOptions, withSteward } from "../command-context.ts";
import { collect, json, taskIds, wholeNumber } from "../parse-options.ts";
import { openSource, readTaskLines, withLineNumbers } from "../task-file.ts";

interface AddOptions {
  file?: string;
  payload?: unknown;
  stage?: string;
  urgency?: number;
  complexity?: number;
  capability?: string[];
  deadline?: string;
  runAt?: string;
  delayMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  idempotencyKey?: string;
  dependsOn?: number[];
  idea?: number;
}

/** Flags that describe one task, and the task field each sets. */
const fieldOf: Record<Exclude<keyof AddOptions, "file">, keyof TaskInput> = {
  payload: "payload",
  stage: "stage",
  urgency: "urgency",
  complexity: "complexity",
  capability: "capabilities",
  deadline: "deadline",
  runAt: "runAt",
  delayMs: "delayMs",
  maxAttempts: "maxAttempts",
  timeoutMs: "timeoutMs",
  idempotencyKey: "idempotencyKey",
  dependsOn: "dependsOn",
  idea: "ideaId",
};

export function registerTaskAddCommand(task: Command, io: CommandIo): void {
  task
    .command("add")
    .description("add one task of a kind, or every task of a JSON Lines file (--file), all or nothing")
    .argument("[kind]", "the task's kind (`steward task kinds` lists them)")
    .option("--file <file>", "add every task of this JSON Lines file (one JSON task a line; - reads stdin)")
    .option("--payload <json>", "the task's input, as JSON", json)
    .option("--stage <stage>", "the stage it belongs to (default: the kind's)")
    .option("--urgency <n>", "0–10 (default 5): a head start in the queue", wholeNumber)
    .option("--complexity <n>", "0–10 (default 5)", wholeNumber)
    .option("--capability <capability...>", "a capability the model must have (repeatable)", collect)
    .option("--deadline <iso>", "when it must be done, e.g. 2026-12-01T12:00:00Z")
    .option("--run-at <iso>", "not before this time")
    .option("--delay-ms <n>", "not before this many milliseconds from now", wholeNumber)
    .option(
      "--max-attempts <n>",
      "attempts before it fails for good (default tasks.defaultMaxAttempts)",
      wholeNumber,
    )
    .option("--timeout-ms <n>", "time limit of one attempt (0: none)", wholeNumber)
    .option("--idempotency-key <key>", "a second add with the same key returns the first task instead")
    .option("--depends-on <id...>", "start only after these tasks succeeded (repeatable)", taskIds)
    .option("--idea <id>", "the idea this task serves", wholeNumber)
    .addHelpText(
      "after",
      "\nA file's lines use the API's field names: " +
        '{"kind": "sleep", "payload": {"ms": 100}, "urgency": 8, "ref": "a"}, {"kind": "noop", "dependsOn": ["a"]}.\n' +
        "Tasks of one file can depend on each other by `ref`. The whole file is one transaction: any problem refuses it all.",
    )
    .action(async (kind: string | undefined, opts: AddOptions, command: Command) => {
      const options = globalOptions(command);
      const flags = Object.keys(fieldOf).filter((key) => opts[key as keyof AddOptions] !== undefined);
      if (opts.file !== undefined) {
        if (kind !== undefined || flags.length > 0) {
          throw new StewardError(
            "validation_failed",
            `--file takes every field from the file's lines; leave out ${kind !== undefined ? `the kind "${kind}"` : ""}${kind !== undefined && flags.length ? " and " : ""}${flags.map((f) => `--${dashed(f)}`).join(", ")}.`,
          );
        }
        return addFile(opts.file, io, Boolean(options.json), options);
      }
      if (kind === undefined) {
        throw new StewardError(
          "validation_failed",
          "Name the kind of task to add (`steward task add sleep --payload '{\"ms\": 100}'`), or give --file.",
        );
      }
      const input: Record<string, unknown> = { kind };
      for (const flag of flags) input[fieldOf[flag as keyof typeof fieldOf]] = opts[flag as keyof AddOptions];
      await withSteward(options, async (steward) => {
        const [added] = await enqueueTasks(steward, [input]);
        if (options.json) return io.out(JSON.stringify(added));
        io.out(describeAdded(added!, opts.idempotencyKey));
      });
    });
}

function describeAdded(task: EnqueuedTask, key: string | undefined): string {
  if (!task.created)
    return `Task ${task.id} already exists under idempotency key "${key}" (${task.status}); nothing was added.`;
  return `Added task ${task.id} (${task.status}).`;
}

async function addFile(
  file: string,
  io: CommandIo,
  json: boolean,
  options: ReturnType<typeof globalOptions>,
): Promise<void> {
  const name = file === "-" ? "stdin" : file;
  const progress = (text: string) => {
    if (!json) io.err(text);
  };
  const started = performance.now();
  let read: Awaited<ReturnType<typeof readTaskLines>>;
  try {
    read = await readTaskLines(openSource(file), name, (n) => progress(`read ${n} lines…`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new StewardError(
        "not_found",
        `There is no file ${file}. Give the path of a JSON Lines file, or - for stdin.`,
      );
    throw error;
  }
  if (read.inputs.length === 0) {
    if (json) return io.out(JSON.stringify({ added: 0, existing: 0, tasks: [] }));
    return io.out(`${name} has no tasks (only blank lines); nothing was added.`);
  }
  await withSteward(options, async (steward) => {
    // One call, so one transaction: the file is added whole or not at all. A file of 100,000 noop
    // tasks (5 MB) takes 8 s on PGlite and 4.3 s on PostgreSQL 15, reading included (2 cores),
    // so chunking (separate transactions, no longer all or nothing) is not worth it.
    if (read.inputs.length >= 10_000)
      progress(`read ${read.inputs.length} tasks; validating and adding them in one transaction…`);
    let added: EnqueuedTask[];
    try {
      added = await enqueueTasks(steward, read.inputs);
    } catch (error) {
      throw withLineNumbers(error, name, read.lines);
    }
    const created = added.filter((t) => t.created).length;
    const existing = added.length - created;
    const seconds = ((performance.now() - started) / 1_000).toFixed(1);
    if (json) {
      return io.out(
        JSON.stringify({
          added: created,
          existing,
          tasks: added.map((t) => ({
            line: read.lines[t.index],
            id: t.id,
            status: t.status,
            created: t.created,
          })),
        }),
      );
    }
    io.out(
      `Added ${created} task${created === 1 ? "" : "s"} from ${name}${idRange(added.filter((t) => t.created))}` +
        `${existing ? `; ${existing} already existed (same idempotency key) and were left as they are` : ""}, in ${seconds} s.`,
    );
  });
}

/** " (ids 5–104)": a file's new tasks take consecutive ids, unless another request ran meanwhile. */
function idRange(tasks: EnqueuedTask[]): string {
  if (tasks.length === 0) return "";
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const { id } of tasks) {
    low = Math.min(low, id);
    high = Math.max(high, id);
  }
  return low === high ? ` (id ${low})` : ` (ids ${low}–${high})`;
}

function dashed(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
