import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { stewardOperations } from "../../app/operations.ts";
import { requireLocalToken } from "../local-token.ts";
import { migrateBodySchema, planQuerySchema, repairBodySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/**
 * Migrations and the schema doctor: the routes behind `steward migrate …` and `steward doctor`.
 * Reading is open; what changes the schema needs the process's local token (local-token.ts).
 * A migration run that fails is a value (`error` in the answer, status 200), as in the CLI.
 */
export const schemaRoutes: FastifyPluginAsync<{ deps: Deps; localToken?: string }> = async (
  app,
  { deps, localToken },
) => {
  const operations = stewardOperations(deps);
  const admin = { preHandler: requireLocalToken(localToken) };

  app.get("/api/migrations", async () => operations.migrationStatus());

  app.get("/api/migrations/plan", async (request) => {
    const query = parseRequest(planQuerySchema, request.query, "query string");
    return operations.planMigrations({ direction: query.direction ?? "up", to: query.to });
  });

  app.post("/api/migrations/up", admin, async (request) => {
    const { to } = parseRequest(migrateBodySchema, request.body ?? undefined, "body");
    return operations.migrateUp(to);
  });

  app.post("/api/migrations/down", admin, async (request) => {
    const { to } = parseRequest(migrateBodySchema, request.body ?? undefined, "body");
    return operations.migrateDown(to);
  });

  app.post("/api/migrations/repair", admin, async (request) => {
    const { versions } = parseRequest(repairBodySchema, request.body ?? undefined, "body");
    return operations.repairMigrations(versions);
  });

  app.get("/api/doctor", async () => operations.doctor());

  app.post("/api/doctor/fix", admin, async () => operations.fixSchema());
};
