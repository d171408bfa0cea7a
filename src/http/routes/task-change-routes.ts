import { Readable } from "node:stream";
import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { stewardOperations } from "../../app/operations.ts";
import {
  cancelManyBodySchema,
  deadTasksQuerySchema,
  importBodyLimitBytes,
  importQuerySchema,
  retryDeadBodySchema,
  retryManyBodySchema,
} from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/**
 * Changes to many named tasks, dead tasks, and JSON Lines imports: the routes behind
 * `steward task cancel|retry|dead` and `task add --file`. Each answers with the engine's value:
 * what changed, what did not and why, which ids name no task.
 */
export const taskChangeRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  const operations = stewardOperations(deps);

  app.post("/api/tasks/cancel", async (request) => {
    const { ids, reason } = parseRequest(cancelManyBodySchema, request.body, "body");
    return operations.cancelTasks(ids, reason);
  });

  app.post("/api/tasks/retry", async (request) => {
    const { ids, attempts } = parseRequest(retryManyBodySchema, request.body, "body");
    return operations.retryTasks(ids, attempts);
  });

  app.get("/api/tasks/dead", async (request) => {
    const query = parseRequest(deadTasksQuerySchema, request.query, "query string");
    return operations.deadTasks({ kinds: query.kind, limit: query.limit });
  });

  app.post("/api/tasks/retry-dead", async (request) => {
    const body = parseRequest(retryDeadBodySchema, request.body ?? undefined, "body");
    return operations.retryAllDead(body);
  });

  // JSON Lines, one task a line: added all or nothing, problems named by line.
  app.register(async (ndjson) => {
    ndjson.addContentTypeParser(
      "application/x-ndjson",
      { parseAs: "string", bodyLimit: importBodyLimitBytes },
      (_request, body, done) => done(null, body),
    );
    ndjson.post("/api/tasks/import", { bodyLimit: importBodyLimitBytes }, async (request, reply) => {
      const { name } = parseRequest(importQuerySchema, request.query, "query string");
      const text = typeof request.body === "string" ? request.body : "";
      const result = await operations.importTasks(Readable.from([text]), name ?? "the request's body");
      return reply.code(result.added > 0 ? 201 : 200).send(result);
    });
  });
};
