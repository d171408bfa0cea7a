import { z } from "zod";
import type { ConfigProblem, ModelRegistry, RegisteredModel } from "../models/model-registry.ts";
import { resolveApiKey } from "../models/providers/api-keys.ts";
import { scrubSecret } from "../tasks/model-call.ts";
import type { Finding, FsarReport, Proposal } from "./fsar-report.ts";
import { checkNarrative, type NarrativeCandidate } from "./narrative-check.ts";

/**
 * A model's narrative for the proposal (docs/fsar.md, "Narrative"): a configured model rewrites
 * the summary, each section's paragraph and the conclusion in clearer prose; the actions, the
 * findings and their numbers stay Steward's. Every number and every finding named in the
 * model's text is checked against the facts, and a narrative that changes one is refused: the
 * report keeps Steward's own text and says why.
 */

const answerShape =
  '{"summary": string, "sections": [{"number": integer, "text": string}], "conclusion": string}';

/** The JSON schema of the answer, for providers that constrain their output to one. */
const answerJsonSchema: Record<string, unknown> = {
  type: "object",
  properties: {
    summary: { type: "string" },
    sections: {
      type: "array",
      items: {
        type: "object",
        properties: { number: { type: "integer" }, text: { type: "string" } },
        required: ["number", "text"],
        additionalProperties: false,
      },
    },
    conclusion: { type: "string" },
  },
  required: ["summary", "sections", "conclusion"],
  additionalProperties: false,
};

/** The request: the findings with their numbers, Steward's texts, and the rules the answer is checked by. */
export function narrativePrompt(
  findings: Finding[],
  proposal: Proposal,
  windowLabel: string,
): { system: string; prompt: string } {
  const system = [
    "You rewrite the narrative of an FSAR report, Steward's assessment of the system it runs, in clear, plain prose for an operator.",
    "You are given the findings, each with its numbers, and Steward's own texts: a summary, one paragraph per numbered section, and a conclusion. Rewrite those texts only.",
    "Rules, each checked; an answer that breaks one is thrown away:",
    "- Keep every number exactly as written in the given texts or evidence (the same digits and unit). Add no number; do not round, convert or compute one.",
    "- Name no finding, finding code or key that is not given. Name a finding by its key or code exactly as given, or describe it in words.",
    "- Keep the sections: one text for each section number given, no other number, none empty. Each section's text must still say what its findings found (their subject or their numbers).",
    "- Write prose only: no headings, lists, commands or SQL (the actions stay as Steward wrote them).",
    `Answer with one JSON object and nothing else: ${answerShape}.`,
  ].join("\n");
  const given = {
    window: `the last ${windowLabel}`,
    findings: findings.map((f) => ({
      key: f.key,
      code: f.code,
      severity: f.severity,
      blocking: f.blocking,
      summary: f.summary,
      numbers: f.evidence.numbers,
      ...(f.evidence.window === undefined ? {} : { window: f.evidence.window }),
      source: f.evidence.source,
    })),
    texts: {
      summary: proposal.summary,
      sections: proposal.sections.map((s) => ({
        number: s.number,
        title: s.title,
        text: s.text,
        findings: s.findings,
        actions: s.actions.map((a) => a.text),
      })),
      conclusion: proposal.conclusion,
    },
  };
  const prompt = [
    "The report's findings and Steward's texts, as JSON:",
    JSON.stringify(given, null, 2),
    "",
    `Rewrite the summary, each section's text (sections ${proposal.sections.map((s) => s.number).join(", ") || "none"}) and the conclusion${
      proposal.conclusion === "" ? ' (empty: answer "")' : ""
    }. Answer with the JSON object only: ${answerShape}.`,
  ].join("\n");
  return { system, prompt };
}

// ---------------------------------------------------------------------------------------------
// The check

// ---------------------------------------------------------------------------------------------
// The call

const candidateSchema = z.object({
  summary: z.string(),
  sections: z.array(z.object({ number: z.number().int(), text: z.string() })),
  conclusion: z.string().default(""),
});

/** The model's answer as a narrative, or why it is not one (a ```json fence is tolerated). */
export function parseNarrative(
  text: string,
): { ok: true; candidate: NarrativeCandidate } | { ok: false; reason: string } {
  const fenced = /```[a-zA-Z]*[ \t]*\n?([\s\S]*?)```/.exec(text);
  const body = (fenced ? fenced[1]! : text).trim();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const start = body.indexOf("{");
    const end = body.lastIndexOf("}");
    try {
      if (start < 0 || end <= start) throw new Error("no object");
      json = JSON.parse(body.slice(start, end + 1));
    } catch {
      return { ok: false, reason: `its answer is not JSON: ${snippet(text)}` };
    }
  }
  const parsed = candidateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { ok: false, reason: `its answer is not the narrative's JSON (${path}${issue.message})` };
  }
  return { ok: true, candidate: parsed.data };
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat === "") return "(empty)";
  return JSON.stringify(flat.length <= 80 ? flat : `${flat.slice(0, 80)}…`);
}

/**
 * The proposal with a model's narrative, when the model answers in time with JSON that passes
 * checkNarrative: its summary, section texts and conclusion; titles, actions and findings stay
 * Steward's. Otherwise (the call fails or times out, the answer is no narrative, the check
 * refuses it) Steward's proposal as it is, and the reason. Never throws; no API key in a reason.
 */
export async function modelNarrative(
  deps: { models: ModelRegistry },
  settings: { model: string; timeoutMs: number },
  findings: Finding[],
  proposal: Proposal,
  windowLabel: string,
): Promise<{ proposal: Proposal; narrative: FsarReport["narrative"] }> {
  const registered = deps.models.get(settings.model);
  const refuse = (reason: string) => ({
    proposal,
    narrative: {
      by: "steward" as const,
      rejected: { model: settings.model, reason: clip(scrubSecret(reason, keyOf(registered))) },
    },
  });
  try {
    if (registered === undefined)
      return refuse(
        `model "${settings.model}" is not configured (models: ${
          deps.models
            .all()
            .map((m) => m.config.id)
            .join(", ") || "none"
        })`,
      );
    const { system, prompt } = narrativePrompt(findings, proposal, windowLabel);
    const answer = await callWithin(registered, deps.models, settings.timeoutMs, {
      system,
      prompt,
      temperature: 0,
      jsonSchema: answerJsonSchema,
    });
    if (!answer.ok) return refuse(answer.reason);
    if (answer.finishReason === "length") return refuse("its answer was cut off at the model's output limit");
    const parsed = parseNarrative(answer.text);
    if (!parsed.ok) return refuse(parsed.reason);
    const check = checkNarrative(parsed.candidate, { findings, proposal, windowLabel });
    if (!check.ok) return refuse(check.reason);
    const texts = new Map(parsed.candidate.sections.map((s) => [s.number, s.text.trim()]));
    return {
      proposal: {
        summary: parsed.candidate.summary.trim(),
        sections: proposal.sections.map((s) => ({ ...s, text: texts.get(s.number) ?? s.text })),
        conclusion: parsed.candidate.conclusion.trim(),
      },
      narrative: { by: "model", model: settings.model },
    };
  } catch (error) {
    return refuse(`the narrative failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** One call to the model, abandoned after `timeoutMs` (its signal aborted) whether the client honours it or not. */
async function callWithin(
  registered: RegisteredModel,
  models: ModelRegistry,
  timeoutMs: number,
  request: { system: string; prompt: string; temperature: number; jsonSchema: Record<string, unknown> },
): Promise<{ ok: true; text: string; finishReason: string } | { ok: false; reason: string }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
      resolve("timeout");
    }, timeoutMs);
  });
  try {
    const call = Promise.resolve().then(() =>
      models.clientFor(registered).call(registered.config, { ...request, signal: controller.signal }),
    );
    // Once the time is up the call's own end (an abort error, mostly) is of no interest.
    call.catch(() => {});
    const outcome = await Promise.race([call, timedOut]);
    if (outcome === "timeout")
      return { ok: false, reason: `no answer within ${timeoutMs} ms (fsar.narrative.timeoutMs)` };
    return { ok: true, text: outcome.text, finishReason: outcome.finishReason };
  } catch (error) {
    if (controller.signal.aborted)
      return { ok: false, reason: `no answer within ${timeoutMs} ms (fsar.narrative.timeoutMs)` };
    return {
      ok: false,
      reason: `the call failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The provider's API key, only to remove it from a reason (ProviderError's messages are scrubbed already). */
function keyOf(registered: RegisteredModel | undefined): string | undefined {
  if (registered === undefined) return undefined;
  try {
    return resolveApiKey(registered.provider);
  } catch {
    return undefined;
  }
}

function clip(reason: string): string {
  return reason.length <= 500 ? reason : `${reason.slice(0, 500)}…`;
}

/**
 * The configuration's cross-reference (called from src/config/config-schema.ts): the narrative's
 * model must be one of the configured models.
 */
export function checkNarrativeConfig(config: {
  fsar: { narrative: { model: string | null } };
  models: { id: string }[];
}): ConfigProblem[] {
  const model = config.fsar.narrative.model;
  if (model === null || config.models.some((m) => m.id === model)) return [];
  const ids = config.models.map((m) => m.id);
  return [
    {
      path: ["fsar", "narrative", "model"],
      message: `names model "${model}", which is not configured; configured models: ${ids.length > 0 ? ids.join(", ") : "none (add one under models, or set it to null)"}`,
    },
  ];
}
