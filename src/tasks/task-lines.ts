import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { StewardError } from "../errors.ts";
import type { Problem } from "../tasks/task-input.ts";

/**
 * Reading tasks from JSON Lines: one JSON task object a line, blank lines ignored. The whole
 * file is one request (all or nothing), so problems are reported by line number, all at once.
 */

export interface TaskLines {
  inputs: unknown[];
  /** The line number (from 1) of each input. */
  lines: number[];
}

/** Most problems listed in one message: the rest are counted. */
const maxListed = 20;

export async function readTaskLines(
  source: Readable,
  name: string,
  onProgress?: (linesRead: number) => void,
): Promise<TaskLines> {
  const inputs: unknown[] = [];
  const lines: number[] = [];
  const problems: Problem[] = [];
  let lineNumber = 0;
  const reader = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of reader) {
    lineNumber++;
    if (lineNumber % 10_000 === 0) onProgress?.(lineNumber);
    if (text.trim() === "") continue;
    try {
      inputs.push(JSON.parse(text));
      lines.push(lineNumber);
    } catch (error) {
      problems.push({
        path: `line ${lineNumber}`,
        message: `not JSON (${(error as Error).message}); each line must be one JSON task object`,
      });
    }
  }
  if (problems.length > 0) {
    throw new StewardError("validation_failed", refusal(name, problems), { details: { problems } });
  }
  return { inputs, lines };
}

/** Opens a file to read, or stdin for `-`. */
export function openSource(file: string): Readable {
  return file === "-" ? process.stdin : createReadStream(file);
}

/**
 * The engine names a problem by its place in the request (`tasks[3].payload.ms`, or no prefix
 * for a request of one task); a person editing a file wants the line. Other errors pass through.
 */
export function withLineNumbers(error: unknown, name: string, lines: number[]): unknown {
  if (!(error instanceof StewardError) || error.code !== "validation_failed") return error;
  const problems = error.details.problems as Problem[] | undefined;
  if (!Array.isArray(problems)) return error;
  const located = problems.map((problem): Problem => {
    const match = /^tasks\[(\d+)\](?:\.(.*))?$/.exec(problem.path);
    if (match)
      return { path: `line ${lines[Number(match[1])]}: ${match[2] ?? "task"}`, message: problem.message };
    return lines.length === 1
      ? { path: `line ${lines[0]}: ${problem.path}`, message: problem.message }
      : problem;
  });
  return new StewardError("validation_failed", refusal(name, located, lines.length), {
    details: { problems: located },
    cause: error,
  });
}

function refusal(name: string, problems: Problem[], tasks?: number): string {
  const head =
    tasks === undefined
      ? `${name} was refused; nothing was added`
      : `${name} (${tasks} task${tasks === 1 ? "" : "s"}) was refused whole; nothing was added`;
  const listed = problems.slice(0, maxListed).map((p) => `${p.path}: ${p.message}`);
  if (problems.length > maxListed) listed.push(`… and ${problems.length - maxListed} more problems`);
  return `${head}:\n  - ${listed.join("\n  - ")}`;
}
