import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { getSystemStatus, type SystemStatus } from "../../app/system-status.ts";

/**
 * Probes for orchestrators. Liveness says the process answers; readiness says it can do its
 * work: database reachable and schema clean (no drift, no pending migration).
 */
export const healthRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  const readiness = cachedStatus(deps, readinessCacheMs);

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const status = await readiness();
    return reply.code(status.ready ? 200 : 503).send(status);
  });
};

/**
 * A full check runs the schema doctor (introspection of every table). Probes may come every
 * second from several sources, so one result serves them all for this long.
 */
const readinessCacheMs = 2_000;

/** Shares one check between concurrent callers, and keeps its result for `ttlMs`. Failures are not kept. */
function cachedStatus(deps: Deps, ttlMs: number): () => Promise<SystemStatus> {
  let cached: { at: number; status: Promise<SystemStatus> } | null = null;
  return () => {
    const now = deps.clock.now().getTime();
    if (cached !== null && now - cached.at < ttlMs) return cached.status;
    const entry = { at: now, status: getSystemStatus(deps) };
    cached = entry;
    entry.status.catch(() => {
      if (cached === entry) cached = null;
    });
    return entry.status;
  };
}
