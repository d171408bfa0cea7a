import { StewardError } from "../errors.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";

/** How every shell says that a name is no kind: `unknown kind "x"; known kinds: a, b`. */
export function unknownKindMessage(name: string, kinds: TaskKindRegistry): string {
  return `unknown kind "${name}"; known kinds: ${kinds.names().join(", ")}`;
}

/**
 * Refuses names that are no registered kind, naming the kinds this process knows: the one
 * unknown-kind error (`validation_failed`, with a problem for each name, as a refused task has).
 */
export function requireKnownKinds(kinds: TaskKindRegistry, names: string[], path = "kinds"): void {
  const unknown = names.filter((name) => kinds.get(name) === undefined);
  if (unknown.length === 0) return;
  const problems = names.flatMap((name, i) =>
    kinds.get(name) === undefined
      ? [
          {
            path: names.length === 1 ? path.replace(/s$/, "") : `${path}[${i}]`,
            message: unknownKindMessage(name, kinds),
          },
        ]
      : [],
  );
  throw new StewardError(
    "validation_failed",
    `unknown kind${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; known kinds: ${kinds.names().join(", ")}`,
    { details: { problems, unknown, known: kinds.names() } },
  );
}
