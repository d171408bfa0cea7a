import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { StewardError } from "../errors.ts";
import {
  type Config,
  configSchema,
  environmentVariables,
  externalEnvironmentVariables,
  otherEnvironmentVariables,
} from "./config-schema.ts";
import { configFileNames, findProjectFolder, type ProjectFolder } from "./find-project.ts";

export interface LoadConfigOptions {
  /** Where the command runs; the project's folder is found from here upwards. */
  cwd?: string;
  /** An explicit configuration file (`--config`); overrides STEWARD_CONFIG and the default names. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already shaped like the configuration. */
  flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  /** With an embedded database's folder made absolute (`pglite:/…/.steward/db`). */
  config: Config;
  /** The configuration file that was read, if any. */
  file: string | null;
  /** The project's folder (see findProjectFolder): where the configuration and `.steward/` are. */
  project: ProjectFolder;
}

type Plain = Record<string, unknown>;

/** Loads and validates the configuration; throws `config_invalid` naming the key, its source and what is allowed. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const sources = new Map<string, string>();
  const merged: Plain = {};

  const project = findProjectFolder(cwd);
  const file = findConfigFile(cwd, project.root, options.file ?? env.STEWARD_CONFIG);
  if (file !== null) mergeLayer(merged, readConfigFile(file), path.basename(file), sources, []);
  mergeLayer(merged, readEnvironment(env), "", sources, [], true);
  if (options.flags) mergeLayer(merged, options.flags, "command-line flag", sources, []);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw configError(parsed.error, sources, merged);
  const config = parsed.data;
  // A folder given on the command line or in the environment is relative to where the command
  // runs, as a person typing it expects; one in a file to that file's folder; the default to
  // the project's folder.
  const source = sources.get("database.url") ?? sources.get("database");
  const base =
    source === undefined
      ? project.root
      : source === "command-line flag" || source.startsWith("environment variable")
        ? cwd
        : path.dirname(file ?? path.join(project.root, "x"));
  config.database.url = absoluteDatabaseUrl(config.database.url, base);
  return { config, file, project };
}

function absoluteDatabaseUrl(url: string, base: string): string {
  if (!url.startsWith("pglite:") || url === "pglite:memory") return url;
  const folder = url.slice("pglite:".length).replace(/^\/\/(?=\/)/, "");
  return folder === "" ? url : `pglite:${path.resolve(base, folder)}`;
}

function findConfigFile(cwd: string, root: string, explicit: string | undefined): string | null {
  if (explicit !== undefined && explicit !== "") {
    const resolved = path.resolve(cwd, explicit);
    if (!existsSync(resolved)) {
      throw new StewardError("config_invalid", `Configuration file ${explicit} does not exist.`, {
        details: { file: explicit },
      });
    }
    return resolved;
  }
  const found = configFileNames.map((name) => path.join(root, name)).filter((p) => existsSync(p));
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
    const external = externalEnvironmentVariables[name];
    if (external && raw !== undefined && raw.trim() !== "") {
      setPath(out, external.path, { __env: name, value: raw.trim() });
      continue;
    }
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
      known.kind === "list"
        ? raw
            .split(",")
            .map((item) => item.trim())
            .filter((item) => item !== "")
        : known.kind === "number" && raw.trim() !== "" && Number.isFinite(Number(raw))
          ? Number(raw)
          : raw;
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
      const where = keyPath.length ? ` in "${keyName(keyPath)}"` : "";
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
    return `${source}: "${keyName(keyPath)}" ${issue.message}${got}`;
  });
  return new StewardError("config_invalid", `Invalid configuration:\n  - ${problems.join("\n  - ")}`, {
    details: { problems },
  });
}

/** `telemetry.targets[2].p95DurationMs`: a key as it is written about, indices in brackets. */
function keyName(keyPath: string[]): string {
  return keyPath.reduce(
    (name, key) => (/^\d+$/.test(key) ? `${name}[${key}]` : name ? `${name}.${key}` : key),
    "",
  );
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
