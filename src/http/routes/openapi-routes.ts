import type { FastifyPluginAsync } from "fastify";
import { version } from "../../version.ts";
import { buildOpenApiDocument } from "../openapi.ts";

/** The API's description (OpenAPI 3.1), built once from the routes' own schemas. */
export const openApiRoutes: FastifyPluginAsync = async (app) => {
  const document = buildOpenApiDocument(version);
  app.get("/api/openapi.json", async () => document);
};
