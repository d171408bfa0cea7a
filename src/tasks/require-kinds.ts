import { StewardError } from "../errors.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";

/** Refuses names that are no registered kind, naming the kinds this process knows. */
export function requireKnownKinds(kinds: TaskKindRegistry, names: string[]): void {
  const unknown = names.filter((name) => kinds.get(name) === undefined);
  if (unknown.length === 0) return;
  throw new StewardError(
    "validation_failed",
    `unknown kind${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; known kinds: ${kinds.names().join(", ")}`,
    { details: { unknown, known: kinds.names() } },
  );
}
