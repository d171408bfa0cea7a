import { z } from "zod";
import type { ClaimedTask } from "../tasks/task.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";

/**
 * The `llm` task kind: a prompt template with variables, sent to the model the scheduler
 * assigned, the answer stored as the task's result. With `outputSchema` (a JSON schema) the
 * answer must be JSON matching it: an answer that is not is a failed attempt with an error that
 * says what did not match (and is retried, perhaps on another model).
 *
 * Templates use `{{name}}`; every name must be given in `variables`, which is checked at enqueue.
 */

const variableName = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

export const llmPayloadSchema = z
  .strictObject({
    prompt: z.string().min(1).max(200_000),
    system: z.string().min(1).max(50_000).optional(),
    variables: z
      .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]))
      .default({}),
    /** A JSON schema the answer must match (the answer is then parsed as JSON). */
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** Stream the answer from the provider (the result is the same; the first token comes sooner). */
    stream: z.boolean().default(false),
  })
  .superRefine((payload, ctx) => {
    for (const field of ["prompt", "system"] as const) {
      for (const name of namesIn(payload[field] ?? "")) {
        if (!(name in payload.variables))
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: `uses {{${name}}}, which is not in variables (given: ${Object.keys(payload.variables).join(", ") || "none"})`,
          });
      }
    }
    if (payload.outputSchema !== undefined) {
      try {
        z.fromJSONSchema(payload.outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          path: ["outputSchema"],
          message: `is not a JSON schema Steward can check: ${(error as Error).message}`,
        });
      }
    }
  });

export type LlmPayload = z.output<typeof llmPayloadSchema>;

/** The answer did not match the output schema: the attempt fails, and says why. */
export class OutputMismatchError extends Error {
  override name = "OutputMismatch";
}

function namesIn(template: string): string[] {
  return [...template.matchAll(variableName)].map((m) => m[1]!);
}

export function renderTemplate(
  template: string,
  variables: Record<string, string | number | boolean>,
): string {
  return template.replace(variableName, (_all, name: string) => String(variables[name]));
}

/** Output tokens assumed when a task sets no maxOutputTokens. */
const defaultOutputTokens = 800;

function payloadOf(task: ClaimedTask): LlmPayload {
  return llmPayloadSchema.parse(task.payload);
}

/** Models sometimes wrap JSON in a Markdown fence; the JSON inside is what counts. */
function unfence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return fenced ? fenced[1]! : text;
}

/** Parses and checks an answer against the schema; throws OutputMismatchError saying what is wrong. */
export function checkOutput(text: string, schema: Record<string, unknown>): unknown {
  let value: unknown;
  try {
    value = JSON.parse(unfence(text));
  } catch {
    throw new OutputMismatchError(
      `the model's answer is not JSON, but the task has an outputSchema; it began: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  const checked = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
  if (!checked.success) {
    const problems = checked.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.map(String).join(".") || "(the answer)"}: ${issue.message}`);
    throw new OutputMismatchError(
      `the model's answer does not match the outputSchema: ${problems.join("; ")}`,
    );
  }
  return value;
}

export const llmKind: TaskKind = {
  name: "llm",
  description:
    "Sends a prompt template with its variables to the model the scheduler assigns; stores the answer (JSON checked against outputSchema when given).",
  payload: llmPayloadSchema,
  defaults: { stage: "llm" },
  model: {
    estimate(task) {
      const payload = payloadOf(task);
      const characters =
        renderTemplate(payload.prompt, payload.variables).length +
        (payload.system ? renderTemplate(payload.system, payload.variables).length : 0);
      return {
        inputTokens: Math.ceil(characters / 4),
        outputTokens: payload.maxOutputTokens ?? defaultOutputTokens,
      };
    },
  },
  async run(task, { model }) {
    if (model === undefined) throw new Error(`task ${task.id} reached its handler without a model assigned`);
    const payload = payloadOf(task);
    const answer = await model.call({
      prompt: renderTemplate(payload.prompt, payload.variables),
      system: payload.system === undefined ? undefined : renderTemplate(payload.system, payload.variables),
      maxOutputTokens: payload.maxOutputTokens,
      temperature: payload.temperature,
      jsonSchema: payload.outputSchema,
      stream: payload.stream,
    });
    const output =
      payload.outputSchema === undefined ? undefined : checkOutput(answer.text, payload.outputSchema);
    return {
      model: model.id,
      text: answer.text,
      ...(output === undefined ? {} : { output }),
      inputTokens: answer.inputTokens,
      outputTokens: answer.outputTokens,
      latencyMs: answer.latencyMs,
    };
  },
};
