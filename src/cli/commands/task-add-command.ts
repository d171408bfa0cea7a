import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import type { EnqueuedTask } from "../../tasks/enqueue-tasks.ts";
import type { TaskInput } from "../../tasks/task-input.ts";
import { type CommandIo, globalOptions, withClient } from "../command-context.ts";
import { commaList, json, taskIdList, wholeNumber } from "../parse-options.ts";
import type { Jsonified } from "../steward-client.ts";

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
    .option("--capability <capabilities>", "capabilities the model must have, comma-separated", commaList)
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
    .option("--depends-on <ids>", "start only after these tasks succeeded, comma-separated", taskIdList)
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
        return addFile(opts.file, io, options);
      }
      if (kind === undefined) {
        throw new StewardError(
          "validation_failed",
          "Name the kind of task to add (`steward task add sleep --payload '{\"ms\": 100}'`), or give --file.",
        );
      }
      const input: Record<string, unknown> = { kind };
      for (const flag of flags) input[fieldOf[flag as keyof typeof fieldOf]] = opts[flag as keyof AddOptions];
      await withClient(options, { command: "task add", needsSchema: true }, async (client) => {
        const [added] = await client.addTasks([input]);
        if (options.json) return io.out(JSON.stringify(added));
        io.out(describeAdded(added!, opts.idempotencyKey));
      });
    });
}

function describeAdded(task: Jsonified<EnqueuedTask>, key: string | undefined): string {
  if (!task.created)
    return `Task ${task.id} already exists under idempotency key "${key}" (${task.status}); nothing was added.`;
  return `Added task ${task.id} (${task.status}).`;
}

async function addFile(
  file: string,
  io: CommandIo,
  options: ReturnType<typeof globalOptions>,
): Promise<void> {
  const name = file === "-" ? "stdin" : file;
  const progress = (text: string) => {
    if (!options.json) io.err(text);
  };
  const started = performance.now();
  const source = await openSource(file);
  const result = await withClient(options, { command: "task add", needsSchema: true }, (client) =>
    client.importTasks(source, name, progress),
  );
  if (options.json) return io.out(JSON.stringify(result));
  if (result.tasks.length === 0) return io.out(`${name} has no tasks (only blank lines); nothing was added.`);
  const seconds = ((performance.now() - started) / 1_000).toFixed(1);
  io.out(
    `Added ${result.added} task${result.added === 1 ? "" : "s"} from ${name}${idRange(result.tasks.filter((t) => t.created))}` +
      `${result.existing ? `; ${result.existing} already existed (same idempotency key) and were left as they are` : ""}, in ${seconds} s.`,
  );
}

/** A file to read, or stdin for `-`; a file that is not there is named before anything is opened. */
async function openSource(file: string): Promise<Readable> {
  if (file === "-") return process.stdin;
  const stream = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new StewardError(
              "not_found",
              `There is no file ${file}. Give the path of a JSON Lines file, or - for stdin.`,
            )
          : error,
      ),
    );
  });
  return stream;
}

/** " (ids 5–104)": a file's new tasks take consecutive ids, unless another request ran meanwhile. */
function idRange(tasks: { id: number }[]): string {
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
