import { readFileSync } from "node:fs";
import { StewardError } from "../../errors.ts";
import type { ProviderConfig } from "../model-config.ts";

/** The environment keys are read from: `process.env` in production, a plain object in tests. */
export type Environment = Record<string, string | undefined>;

/**
 * The API key of a provider, from the environment variable its config names (`apiKeyEnv`) or the
 * file it names (`apiKeyFile`, a mounted secret, trimmed). When both are configured the variable
 * wins if it is set. Errors name the variable or the file and the provider, never a value.
 *
 * Returns undefined when no key is configured and none is needed: the simulator, and
 * openai-compatible servers without auth (Ollama, llama.cpp). The OpenAI and Anthropic APIs always
 * need one; asking for it here beats the AI SDK silently reading OPENAI_API_KEY or
 * ANTHROPIC_API_KEY, which the config does not name.
 */
export function resolveApiKey(provider: ProviderConfig, env: Environment = process.env): string | undefined {
  const { apiKeyEnv, apiKeyFile } = provider;
  const fromEnv = apiKeyEnv === undefined ? undefined : env[apiKeyEnv]?.trim();
  if (fromEnv) return fromEnv;
  if (apiKeyFile !== undefined) return readKeyFile(provider, apiKeyFile);
  if (apiKeyEnv !== undefined) {
    throw new StewardError(
      "config_invalid",
      `Provider "${provider.id}": the environment variable ${apiKeyEnv} (its apiKeyEnv) is not set or is empty. ` +
        `Set it to the provider's API key, or point apiKeyFile at a file holding the key.`,
      { details: { provider: provider.id, apiKeyEnv } },
    );
  }
  if (provider.type === "openai" || provider.type === "anthropic") {
    throw new StewardError(
      "config_invalid",
      `Provider "${provider.id}" (type ${provider.type}) needs an API key: set apiKeyEnv to the name of ` +
        `the environment variable holding it, or apiKeyFile to a file holding only the key.`,
      { details: { provider: provider.id } },
    );
  }
  return undefined;
}

function readKeyFile(provider: ProviderConfig, path: string): string {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    // The code (ENOENT, EACCES, EISDIR) says what to fix; the file's content is never quoted.
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new StewardError(
      "config_invalid",
      `Provider "${provider.id}": cannot read its API key file ${path} (${code}). ` +
        `apiKeyFile must name a readable file holding only the key.`,
      { details: { provider: provider.id, apiKeyFile: path } },
    );
  }
  const key = content.trim();
  if (!key) {
    throw new StewardError(
      "config_invalid",
      `Provider "${provider.id}": its API key file ${path} is empty. Write the key into it.`,
      { details: { provider: provider.id, apiKeyFile: path } },
    );
  }
  return key;
}
