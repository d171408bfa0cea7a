import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { RegisteredModel } from "../models/model-registry.ts";
import { costUsd } from "../models/prices.ts";
import { ProviderError } from "../models/providers/provider-types.ts";
import type { AttemptReport } from "../tasks/complete-tasks.ts";
import type { ModelRequest, ModelResponse } from "../tasks/model-call.ts";
import { type ClaimedTask, providerErrorClass } from "../tasks/task.ts";
import { version } from "../version.ts";

/**
 * OpenTelemetry spans of task attempts and of the model calls made in them, through
 * @opentelemetry/api alone. Until the user registers an SDK (README, "Tracing") the tracer is the
 * API's no-op: each attempt costs one non-recording span, and everything else here (attributes,
 * contexts, span names) is skipped behind `isRecording()`, since a drain runs 20,000 attempts a
 * second. Attributes carry ids, names and numbers only: never a payload, a prompt, an answer or
 * an error message (those may quote secrets or user data).
 */
const tracer = trace.getTracer("steward", version);

/**
 * An attempt starts a trace of its own: the claim that started it ran in whatever context woke
 * the worker (a notification, a timer, the end of another attempt), which is not its cause.
 */
const rootSpan = { root: true } as const;

/** What an attempt's end tells its span: a report, or for a task taken away, why. */
export type AttemptEnd = Pick<
  AttemptReport,
  "aiModel" | "inputTokens" | "outputTokens" | "costUsd" | "error"
> & {
  outcome: AttemptReport["outcome"] | "cancelled" | "lease_lost";
};

/** Starts the span of one attempt, at the start of its handler. */
export function startAttemptSpan(task: ClaimedTask): Span {
  // Named once it is known to record: a name per kind made for every untraced attempt would be
  // garbage. A sampler sees the constant name.
  const span = tracer.startSpan("task attempt", rootSpan);
  if (span.isRecording()) {
    span.updateName(`task ${task.kind}`);
    span.setAttributes({
      "steward.task.id": task.id,
      "steward.task.kind": task.kind,
      "steward.task.stage": task.stage,
      "steward.task.attempt": task.attempt,
    });
    if (task.aiModel !== null) span.setAttribute("steward.model", task.aiModel);
  }
  return span;
}

/**
 * The context a handler runs in when its attempt is traced, so that spans it makes (its model
 * calls, and with an SDK's context manager its own spans) are children of the attempt's.
 */
export function attemptContext(span: Span) {
  return trace.setSpan(ROOT_CONTEXT, span);
}

export function endAttemptSpan(span: Span, end: AttemptEnd): void {
  if (!span.isRecording()) return;
  const attributes: Attributes = { "steward.outcome": end.outcome };
  if (end.aiModel) attributes["steward.model"] = end.aiModel;
  if (end.inputTokens !== undefined) attributes["steward.tokens.input"] = end.inputTokens;
  if (end.outputTokens !== undefined) attributes["steward.tokens.output"] = end.outputTokens;
  if (end.costUsd !== undefined) attributes["steward.cost_usd"] = end.costUsd;
  span.setAttributes(attributes);
  if ((end.outcome === "failed" || end.outcome === "timed_out") && end.error !== undefined)
    markFailed(span, end.error.class);
  span.end();
}

/**
 * Runs one model call in a span of its own (GenAI semantic conventions: `chat {model}`, kind
 * client), a child of the attempt's span, or of the span the handler made active within it.
 */
export async function traceModelCall(
  attempt: Span,
  model: RegisteredModel,
  request: Omit<ModelRequest, "signal">,
  call: () => Promise<ModelResponse>,
): Promise<ModelResponse> {
  if (!attempt.isRecording()) return call();
  const active = context.active();
  // Without a context manager (none is registered by the API alone) the active context is the
  // root one: the attempt's span is then named as the parent outright.
  const parent = trace.getSpan(active) === undefined ? trace.setSpan(active, attempt) : active;
  const attributes: Attributes = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": model.config.model,
    "steward.model": model.config.id,
    "steward.provider": model.provider.id,
  };
  if (request.maxOutputTokens !== undefined)
    attributes["gen_ai.request.max_tokens"] = request.maxOutputTokens;
  if (request.temperature !== undefined) attributes["gen_ai.request.temperature"] = request.temperature;
  return tracer.startActiveSpan(
    `chat ${model.config.model}`,
    { kind: SpanKind.CLIENT, attributes },
    parent,
    async (span) => {
      try {
        const response = await call();
        span.setAttributes({
          "gen_ai.response.model": response.providerModel,
          "gen_ai.response.finish_reasons": [response.finishReason],
          "gen_ai.usage.input_tokens": response.inputTokens,
          "gen_ai.usage.output_tokens": response.outputTokens,
          "steward.cost_usd": costUsd(model.price, response.inputTokens, response.outputTokens),
        });
        return response;
      } catch (error) {
        markFailed(span, errorClass(error));
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The error's class (as task_attempts.error records it), never its message. */
function errorClass(error: unknown): string {
  if (error instanceof ProviderError) return providerErrorClass(error.kind);
  return error instanceof Error ? error.name || "Error" : "Error";
}

function markFailed(span: Span, errorClass: string): void {
  span.setAttribute("error.type", errorClass);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorClass });
}
