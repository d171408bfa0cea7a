import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { fsarDepsOf } from "../../app/fsar-deps.ts";
import { StewardError } from "../../errors.ts";
import { planReport } from "../../fsar/fsar-plan.ts";
import { importReport } from "../../fsar/import-report.ts";
import {
  acknowledgeReport,
  getReport,
  listFindings,
  listReports,
  resolveFinding,
} from "../../fsar/report-store.ts";
import { writeReport } from "../../fsar/write-report.ts";
import { closeGateByHand, gateState, overrideGate } from "../../tasks/execution-gate.ts";
import { listOperatorActions } from "../../tasks/operator-actions.ts";
import {
  fsarFindingsQuerySchema,
  fsarIdParamsSchema,
  fsarImportBodyLimitBytes,
  fsarImportQuerySchema,
  fsarListQuerySchema,
  fsarPlanBodySchema,
  fsarResolveBodySchema,
  fsarShowQuerySchema,
  gateChangeBodySchema,
  operatorActionsQuerySchema,
} from "../operation-schemas.ts";
import { parseRequest } from "../parse-request.ts";
import { actorOf } from "../request-actor.ts";

/**
 * FSAR reports (`steward fsar …`), the execution gate (`steward gate …`) and the operator-action
 * log. Every change records who made it: the CLI's OS user, or the client (request-actor.ts).
 */
export const fsarRoutes: FastifyPluginAsync<{ deps: Deps; localToken?: string }> = async (
  app,
  { deps, localToken },
) => {
  app.get("/api/fsar", async (request) => {
    const query = parseRequest(fsarListQuerySchema, request.query, "query string");
    return { reports: await listReports(deps.db, query) };
  });
  app.post("/api/fsar/run", async (request, reply) => {
    const { report } = await writeReport(fsarDepsOf(deps), {
      trigger: "demand",
      actor: actorOf(request, localToken),
    });
    return reply.code(201).send(report);
  });
  app.get("/api/fsar/findings", async (request) => {
    const query = parseRequest(fsarFindingsQuerySchema, request.query, "query string");
    return { findings: await listFindings(deps.db, query) };
  });
  app.post("/api/fsar/findings/resolve", async (request) => {
    const { key, reason } = parseRequest(fsarResolveBodySchema, request.body, "body");
    return resolveFinding(deps.db, key, actorOf(request, localToken), { reason: reason ?? null });
  });
  app.get("/api/fsar/:report", async (request, reply) => {
    const { report: id } = parseRequest(fsarIdParamsSchema, request.params, "path");
    const { format } = parseRequest(fsarShowQuerySchema, request.query, "query string");
    const shown = await getReport(deps.db, id);
    if (format === "markdown") return reply.type("text/markdown; charset=utf-8").send(shown.markdown);
    return shown;
  });
  app.post("/api/fsar/:report/ack", async (request) => {
    const { report: id } = parseRequest(fsarIdParamsSchema, request.params, "path");
    return acknowledgeReport(deps.db, id, actorOf(request, localToken));
  });
  app.post("/api/fsar/:report/plan", async (request) => {
    const { report: id } = parseRequest(fsarIdParamsSchema, request.params, "path");
    const { enqueue } = parseRequest(fsarPlanBodySchema, request.body ?? {}, "body");
    return planReport(deps, id, { enqueue, actor: actorOf(request, localToken) });
  });
  // A report from another system, as text: Markdown in the seed's layout or JSON, parsed by
  // Steward (not by the framework) so that an error names the line.
  app.register(async (reports) => {
    reports.removeAllContentTypeParsers();
    reports.addContentTypeParser(
      "*",
      { parseAs: "string", bodyLimit: fsarImportBodyLimitBytes },
      (_r, body, done) => done(null, body),
    );
    reports.post("/api/fsar", { bodyLimit: fsarImportBodyLimitBytes }, async (request, reply) => {
      const { source } = parseRequest(fsarImportQuerySchema, request.query, "query string");
      if (typeof request.body !== "string" || request.body.trim() === "")
        throw new StewardError(
          "validation_failed",
          "POST /api/fsar takes a report as its body: Markdown in the FSAR layout (# FSAR Proposal Report …) or its JSON.",
          { details: { problems: [{ path: "body", message: "send the report's text" }] } },
        );
      const { report, format } = await importReport(deps.db, request.body, {
        source,
        actor: actorOf(request, localToken),
      });
      return reply.code(201).send({ report, format, gate: await gateState(deps.db) });
    });
  });
  app.get("/api/gate", async () => gateState(deps.db));
  app.post("/api/gate/close", async (request) => {
    const { reason, kinds } = parseRequest(gateChangeBodySchema, request.body, "body");
    return closeGateByHand(deps, { kinds, reason, actor: actorOf(request, localToken) });
  });
  app.post("/api/gate/open", async (request) => {
    const { reason, kinds } = parseRequest(gateChangeBodySchema, request.body, "body");
    return overrideGate(deps.db, { kinds, reason, actor: actorOf(request, localToken) });
  });
  app.get("/api/operator-actions", async (request) => {
    const { limit } = parseRequest(operatorActionsQuerySchema, request.query, "query string");
    return { actions: await listOperatorActions(deps.db, { limit }) };
  });
};
