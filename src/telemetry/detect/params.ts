import { StewardError } from "../../errors.ts";

/**
 * How a detector declares its parameters: each one with its default, its allowed range and a
 * line of documentation. One parser reads them all, so every detector refuses a bad setting
 * the same way: naming the detector, the key and what is allowed.
 */
export type ParamSpec =
  | {
      kind: "number";
      default: number;
      doc: string;
      /** Lower bound; exclusive when `exclusiveMin` is set. */
      min?: number;
      exclusiveMin?: boolean;
      max?: number;
      exclusiveMax?: boolean;
      integer?: boolean;
    }
  | { kind: "optionalNumber"; default: null; doc: string; min?: number; exclusiveMin?: boolean }
  | { kind: "choice"; default: string; doc: string; choices: readonly string[] };

export type ParamSpecs<P> = { [K in keyof P]: ParamSpec };

/** What a number parameter accepts, in words: "a number > 0 and < 1", "an integer ≥ 2". */
export function describeAllowed(spec: ParamSpec): string {
  if (spec.kind === "choice") return `one of ${spec.choices.map((c) => `"${c}"`).join(", ")}`;
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? ">" : "≥"} ${spec.min}`);
  if (spec.kind === "number" && spec.max !== undefined)
    parts.push(`${spec.exclusiveMax ? "<" : "≤"} ${spec.max}`);
  const noun = spec.kind === "number" && spec.integer ? "an integer" : "a number";
  const range = parts.length > 0 ? ` ${parts.join(" and ")}` : "";
  return spec.kind === "optionalNumber" ? `${noun}${range}, or null to estimate it` : `${noun}${range}`;
}

function invalid(detector: string, key: string, spec: ParamSpec, got: unknown): StewardError {
  return new StewardError(
    "validation_failed",
    `detector ${detector}: parameter "${key}" must be ${describeAllowed(spec)} (got ${JSON.stringify(got)})`,
    { details: { detector, key, allowed: describeAllowed(spec), got } },
  );
}

function readNumber(
  detector: string,
  key: string,
  spec: Extract<ParamSpec, { kind: "number" | "optionalNumber" }>,
  value: unknown,
): number {
  // Strings are accepted so that settings from a command line or an environment variable
  // (`k=0.5`) need no conversion by the caller; anything else that is not a finite number fails.
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw invalid(detector, key, spec, value);
  if (spec.kind === "number" && spec.integer && !Number.isInteger(n))
    throw invalid(detector, key, spec, value);
  if (spec.min !== undefined && (spec.exclusiveMin ? n <= spec.min : n < spec.min))
    throw invalid(detector, key, spec, value);
  if (spec.kind === "number" && spec.max !== undefined && (spec.exclusiveMax ? n >= spec.max : n > spec.max))
    throw invalid(detector, key, spec, value);
  return n;
}

/** The defaults of a parameter declaration, as the detector's parameter object. */
export function defaultsOf<P>(specs: ParamSpecs<P>): P {
  return Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, (s as ParamSpec).default])) as P;
}

/**
 * Reads a detector's settings: unknown keys are refused (a typo would otherwise fall back to a
 * default in silence), missing keys take their defaults, present ones must be allowed values.
 */
export function parseParams<P>(detector: string, specs: ParamSpecs<P>, raw: unknown = {}): P {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new StewardError(
      "validation_failed",
      `detector ${detector}: parameters must be an object of key → value (got ${JSON.stringify(raw)})`,
      { details: { detector } },
    );
  const keys = Object.keys(specs);
  for (const key of Object.keys(raw))
    if (!keys.includes(key))
      throw new StewardError(
        "validation_failed",
        `detector ${detector} has no parameter "${key}"; its parameters are: ${keys.join(", ")}`,
        { details: { detector, key, allowed: keys } },
      );
  const values: Record<string, number | string | null> = {};
  for (const key of keys) {
    const spec = (specs as Record<string, ParamSpec>)[key]!;
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined) values[key] = spec.default;
    else if (spec.kind === "choice") {
      if (typeof value !== "string" || !spec.choices.includes(value))
        throw invalid(detector, key, spec, value);
      values[key] = value;
    } else if (spec.kind === "optionalNumber" && value === null) values[key] = null;
    else values[key] = readNumber(detector, key, spec, value);
  }
  return values as P;
}
