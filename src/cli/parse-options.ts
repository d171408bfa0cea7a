import { InvalidArgumentError } from "commander";

/**
 * Parsers for command-line values. They check only that a value is a number at all: ranges
 * (urgency 0–10, attempts 1–100, …) are the engine's to check, so that the CLI and the API
 * refuse the same things with the same words.
 */

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n)) throw new InvalidArgumentError("expected a whole number");
  return n;
}

export function taskId(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not a task id (a positive whole number)`);
  return n;
}

/** For variadic arguments of task ids: `steward task cancel 3 4 5`. */
export function taskIds(value: string, previous: number[] = []): number[] {
  return [...previous, taskId(value)];
}

/**
 * Every option that takes several values takes them the same way: comma-separated, and the
 * option repeatable (`--kind a,b` or `--kind a --kind b`). Options are never variadic, so that
 * an option's values cannot swallow the arguments after it.
 */
export function taskIdList(value: string, previous: number[] = []): number[] {
  return [...previous, ...commaList(value).map(taskId)];
}

/** `--kind a,b --kind c` → ["a", "b", "c"]: comma-separated, repeatable. */
export function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `not JSON (${(error as Error).message}); quote it for the shell, e.g. --payload '{"ms": 100}'`,
    );
  }
}
