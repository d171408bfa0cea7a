import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { Deps } from "../app/deps.ts";
import { errorAnswerOptions, installErrorHandlers } from "./error-handler.ts";
import { traceRequests } from "./request-spans.ts";
import { backfillRoutes } from "./routes/backfill-routes.ts";
import { dashboardRoutes } from "./routes/dashboard-routes.ts";
import { eventRoutes } from "./routes/event-routes.ts";
import { fsarRoutes } from "./routes/fsar-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { kindRoutes } from "./routes/kind-routes.ts";
import { metricsRoutes } from "./routes/metrics-routes.ts";
import { modelRoutes } from "./routes/model-routes.ts";
import { moneyRoutes } from "./routes/money-routes.ts";
import { openApiRoutes } from "./routes/openapi-routes.ts";
import { schemaRoutes } from "./routes/schema-routes.ts";
import { statsRoutes } from "./routes/stats-routes.ts";
import { statusRoutes } from "./routes/status-routes.ts";
import { stripeWebhookRoutes } from "./routes/stripe-webhook-routes.ts";
import { targetRoutes } from "./routes/target-routes.ts";
import { taskChangeRoutes } from "./routes/task-change-routes.ts";
import { taskRoutes } from "./routes/task-routes.ts";

/** Where `npm run build` puts the dashboard (same depth from src/http and dist/http). */
export const defaultWebRoot = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/**
 * Steward's HTTP shell: routes parse input, call one service and return its result. Not
 * listening yet: `app.inject()` runs it in process; start-server.ts binds it to a port.
 */
export interface ServerOptions {
  /** Where the built dashboard is (default: dist/web). */
  webRoot?: string;
  /** Called for each route as it is added (tests compare them with the API description). */
  onRoute?: (route: RouteOptions) => void;
  /** The token administrative routes answer to (see local-token.ts); none: they refuse every request. */
  localToken?: string;
}

export async function buildServer(deps: Deps, options: ServerOptions = {}): Promise<FastifyInstance> {
  // Fastify's logger stays off: Steward's own logger (with its redaction) is the one log.
  const logger = deps.logger.child({ component: "http" });
  const app = Fastify({ logger: false, ...errorAnswerOptions(logger) });

  // Before the routes, so that every plugin inherits them.
  installErrorHandlers(app, logger);
  traceRequests(app);
  const { onRoute } = options;
  if (onRoute) app.addHook("onRoute", (route) => onRoute(route));

  app.addHook("onResponse", async (request, reply) => {
    logger.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      "request",
    );
  });

  await app.register(healthRoutes, { deps });
  await app.register(statusRoutes, { deps });
  await app.register(taskRoutes, { deps });
  await app.register(taskChangeRoutes, { deps });
  await app.register(kindRoutes, { deps });
  await app.register(schemaRoutes, { deps, localToken: options.localToken });
  await app.register(backfillRoutes, { deps, localToken: options.localToken });
  await app.register(modelRoutes, { deps });
  await app.register(statsRoutes, { deps });
  await app.register(targetRoutes, { deps });
  await app.register(moneyRoutes, { deps, localToken: options.localToken });
  await app.register(fsarRoutes, { deps, localToken: options.localToken });
  await app.register(eventRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(stripeWebhookRoutes, { deps });
  await app.register(openApiRoutes);
  await app.register(dashboardRoutes, { webRoot: options.webRoot ?? defaultWebRoot });
  await app.ready();
  return app;
}
