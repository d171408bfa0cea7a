import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { listAlerts } from "../../telemetry/alerts.ts";
import { indicatorSeriesOf } from "../../telemetry/indicator-series.ts";
import { measureTasks } from "../../telemetry/task-measures.ts";
import { alertsQuerySchema, indicatorsQuerySchema, statsQuerySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/** Telemetry: measures of a window (`steward stats`), the indicators' series, alerts on trend change. */
export const statsRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.get("/api/stats", async (request) =>
    measureTasks(deps.db, deps.clock, parseRequest(statsQuerySchema, request.query, "query string")),
  );
  app.get("/api/indicators", async (request) => {
    const { indicator, ...rest } = parseRequest(indicatorsQuerySchema, request.query, "query string");
    return indicatorSeriesOf(deps.db, deps.clock, { ...rest, indicators: indicator });
  });
  app.get("/api/alerts", async (request) => ({
    alerts: await listAlerts(deps.db, parseRequest(alertsQuerySchema, request.query, "query string")),
  }));
};
