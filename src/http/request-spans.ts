import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { version } from "../version.ts";

const tracer = trace.getTracer("steward", version);

/**
 * An OpenTelemetry span for every request (HTTP semantic conventions: a server span named
 * `METHOD route`, the route's pattern such as `/tasks/:id`, never the URL with its ids). Through
 * @opentelemetry/api alone: nothing is recorded until the user registers an SDK (README,
 * "Tracing"). The request's handlers run in the span's context, so spans made under them are its
 * children. No header, query or body goes into an attribute: they may carry the local token.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();

  app.addHook("onRequest", (request, _reply, done) => {
    const route = request.routeOptions.url; // undefined when no route matched (a 404)
    const active = context.active();
    // An HTTP instrumentation the user loaded has made its own span active: ours is its child.
    // Otherwise the caller's trace, if its headers carry one (W3C traceparent with an SDK's
    // propagator), is the parent.
    const parent =
      trace.getSpan(active) === undefined ? propagation.extract(active, request.headers) : active;
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      { kind: SpanKind.SERVER },
      parent,
    );
    if (!span.isRecording()) return done();
    span.setAttribute("http.request.method", request.method);
    if (route !== undefined) span.setAttribute("http.route", route);
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });

  app.addHook("onResponse", (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });

  // A client that goes away before the answer gets no onResponse.
  app.addHook("onRequestAbort", (request, done) => {
    end(request, undefined);
    done();
  });

  function end(request: FastifyRequest, status: number | undefined): void {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    if (status !== undefined) span.setAttribute("http.response.status_code", status);
    // A server's span is an error for a 5xx only: a 4xx is the client's (HTTP conventions).
    if (status !== undefined && status >= 500) {
      span.setAttribute("error.type", String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}
