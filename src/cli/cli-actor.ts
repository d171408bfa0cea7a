import { userInfo } from "node:os";
import type { Actor } from "../tasks/operator-actions.ts";

/** Who runs this command, for the operator-action log: the OS user. */
export function cliActor(): Actor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment's word, or the uid.
    name = process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? "unknown"}`;
  }
  return { name, via: "cli" };
}
