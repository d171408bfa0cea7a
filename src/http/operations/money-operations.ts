import type { ApiOperation } from "./api-operation.ts";

/** The operations on money: Stripe's deliveries. */
export const moneyOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/webhooks/stripe",
    summary:
      "Stripe's webhook endpoint: an event, signed in the Stripe-Signature header with one of stripe.webhookSecrets, stored in the inbox as delivered (the exact bytes), once per event id",
    tag: "money",
    responses: {
      200: "Stored (or stored already: a repeated delivery is acknowledged, not stored twice): `{ received: true, id, duplicate, deliveries }`",
      400: "Refused, nothing stored: `error.details.reason` is no_secret, no_signature, bad_header, signature_mismatch, stale (older than stripe.toleranceSeconds), not_json or not_an_event",
      413: "A body over 1 MiB",
    },
  },
];
