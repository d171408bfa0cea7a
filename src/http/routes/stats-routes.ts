import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { indicatorReaders } from "../../app/indicator-readers.ts";
import { listAlerts } from "../../telemetry/alerts.ts";
import { indicatorSeriesOf } from "../../telemetry/indicator-series.ts";
import { measureAgainstTargets } from "../../telemetry/targets.ts";
import { alertsQuerySchema, indicatorsQuerySchema, statsQuerySchema } from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";

/** Telemetry: measures of a window (`steward stats`), the indicators' series, alerts on trend change. */
export const statsRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  // With the targets of the stages and kinds asked about, over the same window.
  app.get("/api/stats", async (request) =>
    measureAgainstTargets(
      deps.db,
      deps.clock,
      deps.config.telemetry.targets,
      parseRequest(statsQuerySchema, request.query, "query string"),
    ),
  );
  app.get("/api/indicators", async (request) => {
    const { indicator, ...rest } = parseRequest(indicatorsQuerySchema, request.query, "query string");
    return indicatorSeriesOf(deps.db, deps.clock, { ...rest, indicators: indicator }, indicatorReaders(deps));
  });
  app.get("/api/alerts", async (request) => ({
    alerts: await listAlerts(deps.db, parseRequest(alertsQuerySchema, request.query, "query string")),
  }));
};
