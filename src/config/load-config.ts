import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { StewardError } from "../errors.ts";
import {
  type Config,
  configSchema,
  environmentVariables,
  otherEnvironmentVariables,
} from "./config-schema.ts";

export interface LoadConfigOptions {
  /** Directory in which `steward.config.json|yaml|yml` is looked for. */
  cwd?: string;
  /** An explicit configuration file (`--config`); overrides STEWARD_CONFIG and the default names. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already shaped like the configuration. */
  flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** The configuration file that was read, if any. */
  file: string | null;
}

const defaultFileNames = ["steward.config.json", "steward.config.yaml", "steward.config.yml"];

type Plain = Record<string, unknown>;

/** Loads and validates the configuration; throws `config_invalid` naming the key, its source and what is allowed. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const sources = new Map<string, string>();
  const merged: Plain = {};

  const file = findConfigFile(cwd, options.file ?? env.STEWARD_CONFIG);
  if (file !== null) mergeLayer(merged, readConfigFile(file), path.basename(file), sources, []);
  mergeLayer(merged, readEnvironment(env), "", sources, [], true);
  if (options.flags) mergeLayer(merged, options.flags, "command-line flag", sources, []);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw configError(parsed.error, sources, merged);
  return { config: parsed.data, file };
}

function findConfigFile(cwd: string, explicit: string | undefined): string | null {
  if (explicit !== undefined && explicit !== "") {
    const resolved = path.resolve(cwd, explicit);
    if (!existsSync(resolved)) {
      throw new StewardError("config_invalid", `Configuration file ${explicit} does not exist.`, {
        details: { file: explicit },
      });
    }
    return resolved;
  }
  const found = defaultFileNames.map((name) => path.join(cwd, name)).filter((p) => existsSync(p));
  if (found.length > 1) {
    throw new StewardError(
      "config_invalid",
      `Several configuration files found (${found.map((f) => path.basename(f)).join(", ")}); keep one.`,
      { details: { files: found.map((f) => path.basename(f)) } },
    );
  }
  return found[0] ?? null;
}

function readConfigFile(file: string): Plain {
  const text = readFileSync(file, "utf8");
  const name = path.basename(file);
  let value: unknown;
  try {
    value = file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    throw new StewardError(
      "config_invalid",
      `${name} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message}`,
      {
        details: { file: name },
        cause: error,
      },
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new StewardError(
      "config_invalid",
      `${name} must hold an object of settings, not ${Array.isArray(value) ? "an array" : typeof value}.`,
      {
        details: { file: name },
      },
    );
  }
  return value as Plain;
}

function readEnvironment(env: NodeJS.ProcessEnv): Plain {
  const out: Plain = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("STEWARD_") || raw === undefined) continue;
    // STEWARD_TEST_* belong to the test suite, not to a running Steward.
    if (name.startsWith("STEWARD_TEST_") || otherEnvironmentVariables.includes(name)) continue;
    const known = environmentVariables[name];
    if (known === undefined) {
      const allowed = [...Object.keys(environmentVariables), ...otherEnvironmentVariables].sort();
      throw new StewardError(
        "config_invalid",
        `Unknown environment variable ${name}; Steward reads: ${allowed.join(", ")}.`,
        { details: { variable: name, allowed } },
      );
    }
    const value =
      known.kind === "number" && raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    setPath(out, known.path, { __env: name, value });
  }
  return out;
}

/** Deep-merges `layer` into `target`, remembering which source set each leaf. */
function mergeLayer(
  target: Plain,
  layer: Plain,
  source: string,
  sources: Map<string, string>,
  at: string[],
  fromEnv = false,
): void {
  for (const [key, value] of Object.entries(layer)) {
    const here = [...at, key];
    if (fromEnv && isEnvLeaf(value)) {
      target[key] = value.value;
      sources.set(here.join("."), `environment variable ${value.__env}`);
    } else if (isPlainObject(value) && !isEnvLeaf(value)) {
      const child = isPlainObject(target[key]) ? (target[key] as Plain) : {};
      target[key] = child;
      mergeLayer(child, value, source, sources, here, fromEnv);
      if (!sources.has(here.join("."))) sources.set(here.join("."), source);
    } else {
      target[key] = value;
      sources.set(here.join("."), source);
    }
  }
}

function isEnvLeaf(value: unknown): value is { __env: string; value: unknown } {
  return isPlainObject(value) && "__env" in value;
}

function isPlainObject(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function setPath(target: Plain, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Plain;
  }
  node[keys[keys.length - 1]!] = value;
}

function configError(error: z.ZodError, sources: Map<string, string>, input: Plain): StewardError {
  const problems = error.issues.map((issue) => {
    const keyPath = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const where = keyPath.length ? ` in "${keyPath.join(".")}"` : "";
      const source = sourceOf(sources, [...keyPath, issue.keys[0]!]);
      const allowed = allowedKeys(keyPath);
      return `${source}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${where}; allowed keys are: ${allowed.join(", ")}`;
    }
    const source = sourceOf(sources, keyPath);
    const given = keyPath.reduce<unknown>(
      (node, key) => (isPlainObject(node) || Array.isArray(node) ? (node as Plain)[key] : undefined),
      input,
    );
    const got = given === undefined ? "" : ` (got ${JSON.stringify(given)})`;
    return `${source}: "${keyPath.join(".")}" ${issue.message}${got}`;
  });
  return new StewardError("config_invalid", `Invalid configuration:\n  - ${problems.join("\n  - ")}`, {
    details: { problems },
  });
}

/** The source that set a key, or the nearest enclosing key (arrays are set whole). */
function sourceOf(sources: Map<string, string>, keyPath: string[]): string {
  for (let n = keyPath.length; n > 0; n--) {
    const source = sources.get(keyPath.slice(0, n).join("."));
    if (source !== undefined) return source;
  }
  return "configuration";
}

/** The keys allowed in the object at `keyPath` of the schema. */
function allowedKeys(keyPath: string[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definitions
  let node: any = configSchema;
  for (const key of keyPath) {
    const inner = unwrap(node);
    // An index into an array: the allowed keys are those of its elements.
    node = /^\d+$/.test(key) && inner?.def?.element ? inner.def.element : inner?.shape?.[key];
  }
  return Object.keys(unwrap(node)?.shape ?? {});
}

// biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definitions
function unwrap(node: any): any {
  let current = node;
  while (current?.def?.innerType) current = current.def.innerType;
  return current;
}
