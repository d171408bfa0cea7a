-- Alerts on trend change (src/telemetry/alerts.ts): a change detector found an indicator of a
-- scope (stage, kind, model) worsening. One alert is open per indicator and scope at a time: a
-- change seen again updates it (last_seen_at, latest_value); it resolves itself when the
-- indicator is back near its level before the change, and the same change (indicator, scope and
-- point of change) found again reopens it, counted in reopened, instead of raising a new alert. Delivery to a webhook is recorded on the
-- alert, so an alert that cannot be delivered stays visible with its last error.
CREATE TABLE telemetry_alerts (
  id                bigint GENERATED ALWAYS AS IDENTITY,
  indicator         text NOT NULL,
  scope             jsonb NOT NULL,
  scope_key         text NOT NULL,
  detector          text NOT NULL,
  status            text NOT NULL DEFAULT 'open',
  changed_at        timestamptz NOT NULL,
  before_value      float8 NOT NULL,
  after_value       float8 NOT NULL,
  latest_value      float8 NOT NULL,
  message           text NOT NULL,
  opened_at         timestamptz NOT NULL DEFAULT now(),
  last_seen_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at       timestamptz,
  reopened          integer NOT NULL DEFAULT 0,
  delivery_status   text NOT NULL DEFAULT 'none',
  delivery_attempts integer NOT NULL DEFAULT 0,
  delivery_error    text,
  next_delivery_at  timestamptz,
  CONSTRAINT telemetry_alerts_pkey PRIMARY KEY (id),
  CONSTRAINT telemetry_alerts_status_check CHECK (status IN ('open', 'resolved')),
  CONSTRAINT telemetry_alerts_delivery_check CHECK (delivery_status IN ('none', 'pending', 'delivered', 'failed'))
);
CREATE UNIQUE INDEX telemetry_alerts_open_idx ON telemetry_alerts (indicator, scope_key) WHERE status = 'open';
CREATE INDEX telemetry_alerts_delivery_idx ON telemetry_alerts (next_delivery_at) WHERE delivery_status = 'pending';
