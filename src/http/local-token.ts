import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { StewardError } from "../errors.ts";

/**
 * Administrative routes (migrations, schema repairs, backfills) answer only to a request that
 * carries this process's local token: `steward start` writes it into the embedded data folder's
 * lock file (readable by its owner only), so the CLI of the same user on the same machine can
 * run those commands through the running process. Until Steward has access control, nobody
 * else can: a server started without a token refuses them all.
 */
export function requireLocalToken(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = token === undefined ? null : digest(token);
  return async (request) => {
    const header = request.headers.authorization;
    const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : null;
    // Compared as digests, so that the comparison takes the same time whatever the length.
    if (expected !== null && given !== null && timingSafeEqual(digest(given), expected)) return;
    throw new StewardError(
      "not_permitted",
      `${request.method} ${request.url.split("?")[0]} changes the schema or rewrites data, so it answers only to the steward CLI on this machine (with the token of the process it runs through). Run the matching steward command instead.`,
    );
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
