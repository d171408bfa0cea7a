import type { ProviderConfig } from "../model-config.ts";
import { AiSdkClient } from "./ai-sdk-client.ts";
import { type Environment, resolveApiKey } from "./api-keys.ts";
import type { ModelClient } from "./provider-types.ts";
import { SimClient, type SimClock } from "./sim-client.ts";

export interface CreateModelClientOptions extends Partial<SimClock> {
  /** Where API keys are read from (`apiKeyEnv`); process.env by default. */
  env?: Environment;
}

/**
 * The client for one provider's models, chosen by its type. The API key is resolved here, once:
 * a missing key fails when the provider's client is made, not on its first task. The clock and
 * sleep drive the simulator (see SimClient); real providers run in real time, and read the clock
 * only for a Retry-After given as a date.
 */
export function createModelClient(
  provider: ProviderConfig,
  options: CreateModelClientOptions = {},
): ModelClient {
  if (provider.type === "sim") {
    return new SimClient({
      provider: provider.id,
      timeoutMs: provider.timeoutMs,
      now: options.now,
      sleep: options.sleep,
    });
  }
  const apiKey = resolveApiKey(provider, options.env);
  return new AiSdkClient(provider, { apiKey, now: options.now });
}
