import type { z } from "zod";
import { StewardError } from "../errors.ts";
import type { Problem } from "../tasks/task-input.ts";

export type RequestPart = "body" | "query string" | "path";

/**
 * Parses one part of a request with its zod schema. A refusal is the same error the engine
 * gives for a bad task (validation_failed with `details.problems`), so that a client reads
 * every 400 the same way.
 */
export function parseRequest<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  part: RequestPart,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems: Problem[] = parsed.error.issues.map((issue) => ({
    path: formatPath(issue.path) || part,
    message: issue.message,
  }));
  throw new StewardError(
    "validation_failed",
    `The request's ${part} was refused:\n  - ${problems.map((p) => `${p.path}: ${p.message}`).join("\n  - ")}`,
    { details: { problems } },
  );
}

/** `["status", 1]` → `status[1]`, as the engine names places in a request (`tasks[3].payload.ms`). */
function formatPath(path: PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i > 0 ? "." : ""}${String(key)}`))
    .join("");
}
