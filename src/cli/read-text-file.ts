import { readFileSync } from "node:fs";
import { StewardError } from "../errors.ts";

/** A file a command was given, as text; one that cannot be read is a clear error naming it and why. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new StewardError(
      "validation_failed",
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
    );
  }
}
