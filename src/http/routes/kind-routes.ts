import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { stewardOperations } from "../../app/operations.ts";
import { listPausedKinds } from "../../tasks/pause-kinds.ts";
import { kindsBodySchema, resumeKindsBodySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";
import { kindParamsSchema, pauseBodySchema } from "../task-api-schemas.ts";

/** Pausing a kind stops every worker from claiming its tasks; running ones finish. */
export const kindRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  const operations = stewardOperations(deps);

  // The kinds this Steward knows, each with its default stage and pause (`steward task kinds`).
  app.get("/api/kinds", async () => ({ kinds: await operations.kinds() }));

  // Several kinds at once (`steward task pause a b`): an unknown one refuses the request whole.
  app.post("/api/kinds/pause", async (request) => {
    const { kinds, reason } = parseRequest(kindsBodySchema, request.body, "body");
    return operations.pauseKinds(kinds, reason);
  });

  app.post("/api/kinds/resume", async (request) => {
    const { kinds } = parseRequest(resumeKindsBodySchema, request.body, "body");
    return operations.resumeKinds(kinds);
  });

  // One kind by its path: the same operations, answering with every kind now paused.
  app.post("/api/kinds/:kind/pause", async (request) => {
    const { kind } = parseRequest(kindParamsSchema, request.params, "path");
    const { reason } = parseRequest(pauseBodySchema, request.body ?? undefined, "body");
    await operations.pauseKinds([kind], reason);
    return { paused: await listPausedKinds(deps.db) };
  });

  app.post("/api/kinds/:kind/resume", async (request) => {
    const { kind } = parseRequest(kindParamsSchema, request.params, "path");
    await operations.resumeKinds([kind]);
    return { paused: await listPausedKinds(deps.db) };
  });
};
