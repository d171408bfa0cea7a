import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Actor } from "../tasks/operator-actions.ts";

/** The header in which the steward CLI names its OS user, believed only with the local token. */
export const actorHeader = "x-steward-actor";

/**
 * Who sent a request, for the operator-action log. Until Steward has access tokens: the CLI on
 * this machine (it carries the local token) is its OS user, as it says in `x-steward-actor`;
 * any other client is its address and user agent, which it cannot make up a name beyond.
 */
export function actorOf(request: FastifyRequest, localToken: string | undefined): Actor {
  const header = request.headers.authorization;
  const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : null;
  const named = request.headers[actorHeader];
  if (
    localToken !== undefined &&
    given !== null &&
    typeof named === "string" &&
    timingSafeEqual(digest(given), digest(localToken))
  )
    return { name: clean(named) || "cli", via: "cli" };
  const agent = request.headers["user-agent"];
  return {
    name: `${request.ip}${typeof agent === "string" ? ` (${clean(agent).slice(0, 100)})` : ""}`,
    via: "http",
  };
}

/** Printable characters only: a header is no place for control characters. */
function clean(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, "")
    .trim()
    .slice(0, 100);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
