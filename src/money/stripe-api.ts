import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { StewardError } from "../errors.ts";
import type { StripeConfig } from "./stripe-config.ts";

/** Stripe's API, for what webhooks do not carry: past events (stripe-import.ts), a charge's fee. */

export interface StripeApiAccess {
  apiKey?: string;
  apiKeyFile?: string;
  api?: StripeConfig["api"];
}

/** The access the configuration gives (none when it names no key). */
export function stripeAccessOf(config: StripeConfig): StripeApiAccess {
  return { apiKey: config.apiKey, apiKeyFile: config.apiKeyFile, api: config.api };
}

/** A Stripe client from the configured key (STRIPE_API_KEY, stripe.apiKey or stripe.apiKeyFile). */
export function stripeClient(access: StripeApiAccess): Stripe {
  let key = access.apiKey;
  if (key === undefined && access.apiKeyFile !== undefined) {
    try {
      key = readFileSync(access.apiKeyFile, "utf8").trim();
    } catch (error) {
      throw new StewardError(
        "validation_failed",
        `stripe.apiKeyFile ${access.apiKeyFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
      );
    }
  }
  if (!key)
    throw new StewardError(
      "validation_failed",
      "Importing from Stripe needs an API key that may read events: set STRIPE_API_KEY, or stripe.apiKeyFile to a file holding it.",
    );
  return new Stripe(key, {
    maxNetworkRetries: 2,
    timeout: 30_000,
    ...(access.api ? { host: access.api.host, port: access.api.port, protocol: access.api.protocol } : {}),
  });
}

/** An error's message with anything that looks like a Stripe key masked. */
export function maskKeys(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*]+/g, "$1_$2_…");
}
