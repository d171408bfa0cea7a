import type { FastifyPluginAsync } from "fastify";
import type { Deps } from "../../app/deps.ts";
import { StripeInbox, verifyStripeDelivery } from "../../money/stripe-inbox.ts";

/** Stripe's events are well under this; a larger body is refused (413) before it is read whole. */
const maxDeliveryBytes = 1024 * 1024;

/**
 * Stripe's webhook endpoint. Its signature is made over the exact bytes delivered, so in this
 * scope every body is kept as a Buffer (never parsed and written again). Answers 200 only once the
 * event is stored (a repeated delivery too: it is acknowledged, not stored twice); 400 with the
 * reason when the signature or the body is refused, storing nothing. Open without the local token:
 * the signature is its authentication.
 */
export const stripeWebhookRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app, { deps }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxDeliveryBytes }, (_request, body, done) =>
    done(null, body),
  );
  // Deliveries arriving together are written together (a group commit), each answered once stored.
  const inbox = new StripeInbox(deps);
  app.post("/webhooks/stripe", { bodyLimit: maxDeliveryBytes }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers["stripe-signature"];
    const event = verifyStripeDelivery(
      raw,
      Array.isArray(header) ? header.join(",") : header,
      deps.config.stripe,
    );
    const { stored, deliveries } = await inbox.accept(event, raw);
    return reply.code(200).send({ received: true, id: event.id, duplicate: !stored, deliveries });
  });
};
