import { StewardError } from "../errors.ts";
import { aiModelFromAttempts } from "./ai-model-from-attempts.ts";
import type { Backfill } from "./backfill.ts";

/** Every backfill `steward backfill <name>` knows. */
export const backfills: Backfill[] = [aiModelFromAttempts];

export function findBackfill(name: string): Backfill {
  const found = backfills.find((b) => b.name === name);
  if (!found) {
    throw new StewardError(
      "not_found",
      `No backfill named "${name}"; known backfills: ${backfills.map((b) => b.name).join(", ")}.`,
      { details: { name, known: backfills.map((b) => b.name) } },
    );
  }
  return found;
}
