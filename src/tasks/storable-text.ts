import { z } from "zod";
import { StewardError } from "../errors.ts";
import type { Problem } from "./task-input.ts";

/**
 * What PostgreSQL can store, checked before anything reaches SQL, so that a value it would
 * refuse is a 400 naming the field rather than a database error: text and jsonb cannot hold the
 * NUL character, jsonb refuses a lone UTF-16 surrogate (text would silently turn it into U+FFFD),
 * and a value nested thousands of levels deep overflows the stack of anything that recurses
 * over it (JSON.stringify among them).
 */

/** Most levels of objects and arrays in one JSON value (a task's payload, say). */
export const maxJsonDepth = 64;

/** Problems listed for one value at most; the rest are counted. */
const maxProblemsPerValue = 10;

// Without the `u` flag a regex sees UTF-16 code units, so a surrogate without its pair shows.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL cannot store this text, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000"))
    return "contains the NUL character (U+0000), which PostgreSQL text and jsonb cannot hold; remove it (send binary data as base64)";
  if (loneSurrogate.test(text))
    return "contains a lone surrogate (a UTF-16 code unit from U+D800 to U+DFFF without its pair), which is not valid Unicode; send well-formed text";
  return null;
}

/** A zod string PostgreSQL can store, for the schemas of the shells' inputs (query, path, body). */
export function storableText(min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      const problem = textProblem(value);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    });
}

/**
 * Problems of one JSON value: every string and object key that PostgreSQL cannot store, and
 * nesting deeper than `maxJsonDepth`. Walks with its own stack, so that no depth overflows it.
 */
export function jsonValueProblems(value: unknown, path: string): Problem[] {
  const problems: Problem[] = [];
  let skipped = 0;
  const report = (at: string, message: string) => {
    if (problems.length < maxProblemsPerValue) problems.push({ path: at, message });
    else skipped++;
  };
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 0 }];
  let tooDeep = false;
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === "string") {
      const problem = textProblem(item.value);
      if (problem !== null) report(item.path, problem);
      continue;
    }
    if (typeof item.value !== "object" || item.value === null) continue;
    if (item.depth >= maxJsonDepth) {
      // Said once, at the value itself: the path of the deepest point would be as long as the nesting.
      if (!tooDeep)
        report(
          path,
          `nests objects and arrays more than ${maxJsonDepth} levels deep; at most ${maxJsonDepth} levels are allowed`,
        );
      tooDeep = true;
      continue;
    }
    const children: { value: unknown; path: string; depth: number }[] = [];
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) => {
        children.push({ value: child, path: `${item.path}[${i}]`, depth: item.depth + 1 });
      });
    } else {
      for (const [key, child] of Object.entries(item.value)) {
        const problem = textProblem(key);
        if (problem !== null) report(item.path, `the key ${JSON.stringify(key)} ${problem}`);
        children.push({ value: child, path: `${item.path}${keySegment(key)}`, depth: item.depth + 1 });
      }
    }
    // Reversed, so that problems come out in the order they appear in the value.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  if (skipped > 0) problems.push({ path, message: `… and ${skipped} more such problems` });
  return problems;
}

/** Problems of named text fields (query parameters, a reason): `undefined` and `null` are fine. */
export function textFieldProblems(
  fields: Record<string, string | readonly string[] | null | undefined>,
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    const values = typeof value === "string" ? [value] : value;
    values.forEach((text, i) => {
      const problem = textProblem(text);
      if (problem !== null)
        problems.push({ path: typeof value === "string" ? name : `${name}[${i}]`, message: problem });
    });
  }
  return problems;
}

/** Throws validation_failed naming each field PostgreSQL could not store. */
export function requireStorableText(
  what: string,
  fields: Record<string, string | readonly string[] | null | undefined>,
): void {
  const problems = textFieldProblems(fields);
  if (problems.length === 0) return;
  throw new StewardError(
    "validation_failed",
    `${what} was refused:\n  - ${problems.map((p) => `${p.path}: ${p.message}`).join("\n  - ")}`,
    { details: { problems } },
  );
}

/** `.name`, or `["a key"]` JSON-quoted when it is not a plain name (the escapes show a NUL and the like). */
function keySegment(key: string): string {
  return /^[\w$-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
