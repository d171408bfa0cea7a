import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { stewardOperations } from "../../app/operations.ts";
import { backfills, findBackfill } from "../../backfill/backfills.ts";
import { toErrorResponse } from "../error-handler.ts";
import { requireLocalToken } from "../local-token.ts";
import { backfillBodySchema, backfillParamsSchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/**
 * Backfills: the routes behind `steward backfill`. A run answers with JSON Lines as it goes
 * (`{"progress": …}` after each batch, then `{"result": …}` or `{"error": …}`), so that the CLI
 * can show progress; a client that disconnects stops the run after the batch in flight, as
 * Ctrl-C does, and running it again resumes.
 */
export const backfillRoutes: FastifyPluginAsync<{ deps: Deps; localToken?: string }> = async (
  app,
  { deps, localToken },
) => {
  const operations = stewardOperations(deps);

  app.get("/api/backfills", async () => ({
    backfills: backfills.map(({ name, description }) => ({ name, description })),
  }));

  app.post(
    "/api/backfills/:name/run",
    { preHandler: requireLocalToken(localToken) },
    async (request, reply) => {
      const { name } = parseRequest(backfillParamsSchema, request.params, "path");
      const options = parseRequest(backfillBodySchema, request.body ?? undefined, "body");
      findBackfill(name); // an unknown name is refused before the answer starts
      const controller = new AbortController();
      const response = reply.raw;
      response.on("close", () => {
        if (!response.writableFinished) controller.abort();
      });
      reply.hijack();
      response.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8" });
      const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
      try {
        const result = await operations.runBackfill(name, {
          ...options,
          signal: controller.signal,
          onProgress: (progress) => line({ progress }),
        });
        line({ result });
      } catch (error) {
        const answer = toErrorResponse(error);
        if (answer.logLevel === "error") deps.logger.error({ err: error }, `backfill ${name} failed`);
        line(answer.body);
      }
      response.end();
    },
  );
};
