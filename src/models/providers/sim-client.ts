import { type ModelConfig, type SimProfile, simProfileSchema } from "../model-config.ts";
import { type ModelClient, type ModelRequest, type ModelResponse, ProviderError } from "./provider-types.ts";
import { drawSimRolls, simOutcome } from "./sim-outcome.ts";

/**
 * The `sim` provider: a DECLARED SIMULATOR. It calls no model; it answers as a model with the
 * model's `sim` profile would (latency, output length, server errors, bursts of 429), for demos,
 * tests and benchmarks. It never passes for a real model: every response says `sim:<model>` as
 * its providerModel, and its text starts with "[simulated]" (JSON output, which must parse, marks
 * its free strings instead).
 *
 * Deterministic: each model has its own seeded generator (mulberry32, seeded from the profile's
 * seed and the model's id, so two models with the same seed do not fail in lockstep), advanced
 * exactly once per call; the call's draws come from a generator seeded with that one number. The
 * same seed and the same sequence of calls give the same results, however many draws a call
 * needs.
 *
 * A profile's `drift` counts from the client's first call to the model: each process's simulator
 * drifts on its own schedule, from when it started sending.
 *
 * Time comes from the `now` and `sleep` given, real time by default, so that tests and the
 * discrete-event simulator can drive it without waiting.
 */

export interface SimClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface SimClientOptions extends Partial<SimClock> {
  /** The provider's id (errors name it). */
  provider: string;
  /** The provider's timeoutMs: a call that would take longer fails with a timeout after it. */
  timeoutMs: number;
}

interface ModelState {
  next: () => number;
  /** Clock time until which calls fail at once with 429; 0 outside a burst. */
  burstUntil: number;
  /** Clock time of the first call to the model: its drift (if any) counts from here. */
  firstCallAt: number;
}

const defaultProfile: SimProfile = simProfileSchema.parse({});

export class SimClient implements ModelClient {
  readonly #provider: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #models = new Map<string, ModelState>();

  constructor(options: SimClientOptions) {
    this.#provider = options.provider;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
  }

  async call(model: ModelConfig, request: ModelRequest): Promise<ModelResponse> {
    const profile = model.sim ?? defaultProfile;
    const fail = (kind: "rate_limited" | "server_error" | "timeout" | "aborted", extra = {}) =>
      new ProviderError({ kind, provider: this.#provider, model: model.id, ...extra });
    if (request.signal.aborted) throw fail("aborted");

    const now = this.#now();
    const state = this.#state(model, profile, now);
    const random = mulberry32(Math.floor(state.next() * 2 ** 32));
    // The outcome's draws come first, whatever happens next; the text's follow.
    const outcome = simOutcome({
      profile,
      now,
      sinceFirstCallMs: now - state.firstCallAt,
      burstUntil: state.burstUntil,
      meanOutputTokens: profile.outputTokens,
      maxOutputTokens: request.maxOutputTokens,
      timeoutMs: this.#timeoutMs,
      rolls: drawSimRolls(random),
    });
    if (outcome.kind === "rate_limited") {
      state.burstUntil = outcome.burstUntil;
      throw fail("rate_limited", {
        status: 429,
        retryAfterMs: outcome.retryAfterMs,
        detail: "[simulated] burst of rate limiting",
      });
    }

    await this.#wait(outcome.latencyMs, request.signal, fail);
    if (outcome.kind === "timeout") {
      throw fail("timeout", {
        detail: `[simulated] the answer would take ${Math.round(outcome.wouldTakeMs)} ms, over the provider's timeoutMs of ${this.#timeoutMs}`,
      });
    }
    if (outcome.kind === "server_error") {
      throw fail("server_error", { status: 500, detail: "[simulated] internal server error" });
    }
    const { outputTokens } = outcome;
    const inputTokens = Math.ceil(((request.system ?? "").length + request.prompt.length) / 4);
    const text =
      request.jsonSchema === undefined
        ? simulatedText(model, outputTokens, random)
        : JSON.stringify(generateJson(request.jsonSchema, random));
    return {
      text,
      inputTokens,
      outputTokens,
      finishReason: outcome.truncated ? "length" : "stop",
      latencyMs: Math.round(outcome.latencyMs),
      providerModel: `sim:${model.model}`,
    };
  }

  #state(model: ModelConfig, profile: SimProfile, now: number): ModelState {
    let state = this.#models.get(model.id);
    if (state === undefined) {
      state = { next: mulberry32(profile.seed ^ hashString(model.id)), burstUntil: 0, firstCallAt: now };
      this.#models.set(model.id, state);
    }
    return state;
  }

  async #wait(ms: number, signal: AbortSignal, fail: (kind: "aborted") => ProviderError): Promise<void> {
    try {
      await this.#sleep(ms, signal);
    } catch (error) {
      if (signal.aborted) throw fail("aborted");
      throw error;
    }
    if (signal.aborted) throw fail("aborted");
  }
}

const words = ["alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "papa", "sierra", "tango"];

/** A short text: it names its length rather than spelling out thousands of tokens of filler. */
function simulatedText(model: ModelConfig, outputTokens: number, random: () => number): string {
  const count = Math.min(outputTokens, 12);
  const picked = Array.from({ length: count }, () => pick(words, random));
  return `[simulated] ${model.model} answered in ${outputTokens} tokens: ${picked.join(" ")}`;
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type Schema = Record<string, unknown>;

/**
 * A value satisfying a simple JSON schema, drawn from `random`: objects (properties, required;
 * an optional property is present half of the time), arrays (items, minItems, maxItems), strings
 * (minLength, maxLength, formats date, date-time, email, uri), numbers and integers (minimum,
 * maximum, exclusive bounds), booleans, null, enum, const, and a choice among anyOf / oneOf. Other
 * keywords ($ref, pattern, allOf, …) are ignored. Free strings start with "[simulated]" when they
 * may be that long.
 */
export function generateJson(schema: Schema, random: () => number): JsonValue {
  if ("const" in schema) return schema.const as JsonValue;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(schema.enum as JsonValue[], random);
  const choices = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(choices) && choices.length > 0) return generateJson(pick(choices, random), random);
  switch (schemaType(schema)) {
    case "object":
      return generateObject(schema, random);
    case "array": {
      const min = numberOr(schema.minItems, 1);
      const max = Math.max(min, numberOr(schema.maxItems, min + 2));
      const count = min + Math.floor(random() * (max - min + 1));
      const items = (schema.items ?? {}) as Schema;
      return Array.from({ length: count }, () => generateJson(items, random));
    }
    case "integer":
    case "number":
      return generateNumber(schema, random);
    case "boolean":
      return random() < 0.5;
    case "null":
      return null;
    default:
      return generateString(schema, random);
  }
}

function schemaType(schema: Schema): string {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return (type.find((t) => t !== "null") as string | undefined) ?? "null";
  if (schema.properties !== undefined) return "object";
  if (schema.items !== undefined) return "array";
  return "string";
}

function generateObject(schema: Schema, random: () => number): JsonValue {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const value: { [key: string]: JsonValue } = {};
  for (const [name, property] of Object.entries(properties)) {
    // The coin is tossed for every property, so the draws do not depend on which are required.
    const include = random() < 0.5;
    if (required.has(name) || include) value[name] = generateJson(property, random);
  }
  return value;
}

function generateNumber(schema: Schema, random: () => number): number {
  const integer = schemaType(schema) === "integer";
  const step = integer ? 1 : 0.01;
  let min = numberOr(schema.minimum, Number.NEGATIVE_INFINITY);
  let max = numberOr(schema.maximum, Number.POSITIVE_INFINITY);
  if (typeof schema.exclusiveMinimum === "number") min = Math.max(min, schema.exclusiveMinimum + step);
  if (typeof schema.exclusiveMaximum === "number") max = Math.min(max, schema.exclusiveMaximum - step);
  if (!Number.isFinite(min)) min = Number.isFinite(max) ? Math.min(0, max - 100) : 0;
  if (!Number.isFinite(max)) max = min + 100;
  if (integer) {
    const low = Math.ceil(min);
    return low + Math.floor(random() * (Math.floor(max) - low + 1));
  }
  const value = Math.round((min + random() * (max - min)) * 100) / 100;
  return Math.min(max, Math.max(min, value));
}

function generateString(schema: Schema, random: () => number): string {
  const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000);
  switch (schema.format) {
    case "date":
      return day.toISOString().slice(0, 10);
    case "date-time":
      return day.toISOString();
    case "email":
      return `${pick(words, random)}@example.com`;
    case "uri":
      return `https://example.com/${pick(words, random)}`;
  }
  const minLength = numberOr(schema.minLength, 0);
  const maxLength = numberOr(schema.maxLength, Number.POSITIVE_INFINITY);
  let text = `[simulated] ${pick(words, random)}`;
  while (text.length < minLength) text += ` ${pick(words, random)}`;
  if (text.length > maxLength) text = text.slice(0, maxLength);
  return text;
}

function pick<T>(values: readonly T[], random: () => number): T {
  return values[Math.floor(random() * values.length)] as T;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** Resolves after `ms` of real time; rejects with the signal's reason when it aborts first. */
export function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** mulberry32: a small, fast 32-bit PRNG; ample for simulation (not for secrets). Values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits: mixes the model's id into its seed. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
