import { z } from "zod";

/**
 * The `stripe` section of the configuration. Webhook secrets (`whsec_…`, one per endpoint, two
 * at once while one is rolled) are secrets: never logged, never answered; they usually come from
 * STEWARD_STRIPE_WEBHOOK_SECRET, comma-separated.
 */
export const stripeConfigSchema = z
  .strictObject({
    /** Every secret a delivery's signature may be made with; none: the webhook refuses every delivery. */
    webhookSecrets: z.array(z.string().trim().min(1, "a webhook secret may not be empty")).default([]),
    /**
     * How old a signature's timestamp may be, in seconds (Stripe's default, 300). A delivery signed
     * earlier is refused: a replay. Future timestamps are not refused (Stripe's rule).
     */
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
    /**
     * Test-mode events (`livemode: false`) are stored and processed like live ones, and kept apart
     * where money is read: `apart` (the default) counts live money only unless asked for test
     * mode; `counted` reads both together (a demo, or a product not yet live).
     */
    testEvents: z.enum(["apart", "counted"]).default("apart"),
    /**
     * A Stripe API key (sk_… or a restricted rk_… that may read events), for `steward stripe
     * import`: usually STRIPE_API_KEY, or a file holding it (`apiKeyFile`). A secret: never logged
     * or answered.
     */
    apiKey: z.string().trim().min(1).optional(),
    apiKeyFile: z.string().trim().min(1).optional(),
    /** Where Stripe's API is (Stripe's own by default; another for stripe-mock or a test server). */
    api: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65_535).optional(),
        protocol: z.enum(["http", "https"]).default("https"),
      })
      .optional(),
  })
  .prefault({});

export type StripeConfig = z.infer<typeof stripeConfigSchema>;
