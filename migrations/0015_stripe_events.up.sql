-- Stripe's events as delivered to POST /webhooks/stripe (src/http/routes/stripe-webhook-routes.ts),
-- stored before the delivery is answered: the inbox the workers process from (docs/money.md).
-- One row per event id, so a delivery Stripe repeats (it delivers at least once) changes only
-- the count of deliveries, and nothing counts twice. Kept apart by livemode: test-mode events
-- are stored like live ones and told apart wherever money is summed.
CREATE TABLE stripe_events (
  id           text PRIMARY KEY,
  type         text NOT NULL,
  livemode     boolean NOT NULL,
  api_version  text,
  -- The event's own `created`: the order Stripe made them in (they arrive in any order).
  created_at   timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  deliveries   integer NOT NULL DEFAULT 1,
  payload      jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'pending',
  attempts     integer NOT NULL DEFAULT 0,
  error        text,
  processed_at timestamptz,
  CONSTRAINT stripe_events_status_check CHECK (status IN ('pending', 'processed', 'failed', 'ignored'))
);

CREATE INDEX stripe_events_pending_idx ON stripe_events (created_at) WHERE status = 'pending';
CREATE INDEX stripe_events_type_idx ON stripe_events (type, created_at);
