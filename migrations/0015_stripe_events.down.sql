-- Back to migration 0014: no Stripe inbox.
DROP TABLE stripe_events;
