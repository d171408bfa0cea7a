-- Processing Stripe's inbox into the ledger (docs/money.md, src/money/). Events arrive in any
-- order and more than once, so nothing here depends on the order they are processed in: each
-- object keeps its newest state, the links say which objects are the same money, and a payment's
-- ledger entries are derived again, whole, from everything known of it.

-- The object an event is about, to find every snapshot of one object (a charge's refunds over
-- time); and the task that processes the event.
ALTER TABLE stripe_events
  ADD COLUMN object_id text GENERATED ALWAYS AS (payload #>> '{data,object,id}') STORED,
  ADD COLUMN task_id bigint;
CREATE INDEX stripe_events_object_idx ON stripe_events (object_id);
CREATE INDEX stripe_events_status_idx ON stripe_events (status, created_at);

-- The newest state of each Stripe object seen in an event. Newest by `order_key` (the object's
-- own status progression first, then the event's `created`), then the event id: an older
-- snapshot never replaces a newer one, whichever arrives last.
CREATE TABLE stripe_objects (
  id          text PRIMARY KEY,
  object      text NOT NULL,
  livemode    boolean NOT NULL,
  order_key   bigint[] NOT NULL,
  event_id    text NOT NULL,
  data        jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Which objects name each other, both ways: `money` links join the objects of one payment
-- (checkout session, payment intent, charge, invoice, refund, dispute); `attribution` links tie
-- an invoice or session to the subscription whose metadata may attribute it.
CREATE TABLE stripe_links (
  id      text NOT NULL,
  linked  text NOT NULL,
  kind    text NOT NULL,
  PRIMARY KEY (id, linked),
  CONSTRAINT stripe_links_kind_check CHECK (kind IN ('money', 'attribution'))
);
CREATE INDEX stripe_links_linked_idx ON stripe_links (linked);

-- The ledger: signed amounts in the currency's minor unit (the main unit for zero-decimal
-- currencies, as Stripe counts them), one row per source id, so that nothing counts twice.
-- Stripe's rows carry the payment group they were derived from (`group_key`): the group's rows
-- are replaced together when it is derived again.
CREATE TABLE money_entries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source        text NOT NULL,
  source_id     text NOT NULL,
  type          text NOT NULL,
  amount_minor  bigint NOT NULL,
  currency      text NOT NULL,
  occurred_at   timestamptz NOT NULL,
  idea          text,
  stream        text,
  stripe_object text,
  customer      text,
  -- For AI usage: the model that spent it.
  model         text,
  group_key     text,
  livemode      boolean NOT NULL DEFAULT true,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT money_entries_source_id_unique UNIQUE (source_id),
  CONSTRAINT money_entries_source_check CHECK (source IN ('stripe', 'expense', 'ai_usage')),
  CONSTRAINT money_entries_type_check CHECK (
    type IN ('revenue', 'refund', 'dispute', 'dispute_reversal', 'fee', 'expense', 'ai_usage')
  ),
  CONSTRAINT money_entries_currency_check CHECK (currency ~ '^[a-z]{3}$')
);
CREATE INDEX money_entries_time_idx ON money_entries (occurred_at);
CREATE INDEX money_entries_idea_idx ON money_entries (idea, occurred_at);
CREATE INDEX money_entries_group_idx ON money_entries (group_key) WHERE group_key IS NOT NULL;

-- Expenses the operator records (hosting, tools, people): one-off, or recurring every week, month
-- or year from `starts_on` until `ends_on`. Their occurrences up to today are ledger entries
-- (`expense:<id>:<date>`), derived again whenever expenses change and by the workers each day.
CREATE TABLE money_expenses (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL,
  category      text NOT NULL DEFAULT 'other',
  amount_minor  bigint NOT NULL,
  currency      text NOT NULL,
  every         text NOT NULL DEFAULT 'once',
  starts_on     date NOT NULL,
  ends_on       date,
  idea          text,
  stream        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  removed_at    timestamptz,
  CONSTRAINT money_expenses_amount_check CHECK (amount_minor > 0),
  CONSTRAINT money_expenses_currency_check CHECK (currency ~ '^[a-z]{3}$'),
  CONSTRAINT money_expenses_every_check CHECK (every IN ('once', 'week', 'month', 'year')),
  CONSTRAINT money_expenses_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

-- The ledger summed by day and by month (UTC), currency, type, idea, stream, model and mode, kept
-- by triggers on money_entries in the same transaction as the entries (as task_rollups are for
-- attempts): ROI, the metrics and the daily series read whole months and days from here and only
-- the period's partial first and last days from the entries, so that they stay fast at millions
-- of entries. `bucket` is the day, or the month's first day. Missing idea, stream and model are
-- '' here (a key column may not be NULL).
CREATE TABLE money_sums (
  grain     text NOT NULL,
  bucket    date NOT NULL,
  currency  text NOT NULL,
  type      text NOT NULL,
  idea      text NOT NULL,
  stream    text NOT NULL,
  model     text NOT NULL,
  livemode  boolean NOT NULL,
  amount    bigint NOT NULL,
  entries   bigint NOT NULL,
  PRIMARY KEY (grain, bucket, currency, type, idea, stream, model, livemode),
  CONSTRAINT money_sums_grain_check CHECK (grain IN ('day', 'month'))
);

CREATE FUNCTION steward_money_sums_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO money_sums (grain, bucket, currency, type, idea, stream, model, livemode, amount, entries)
  SELECT g.grain,
         CASE g.grain WHEN 'day' THEN (a.occurred_at AT TIME ZONE 'UTC')::date
                      ELSE date_trunc('month', a.occurred_at AT TIME ZONE 'UTC')::date END,
         a.currency, a.type, coalesce(a.idea, ''), coalesce(a.stream, ''), coalesce(a.model, ''), a.livemode,
         sum(a.amount_minor), count(*)
  FROM added a CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  -- Always in key order, so that two transactions touching the same buckets never wait on each other in a circle.
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT (grain, bucket, currency, type, idea, stream, model, livemode)
  DO UPDATE SET amount = money_sums.amount + EXCLUDED.amount, entries = money_sums.entries + EXCLUDED.entries;
  RETURN NULL;
END $$;

CREATE FUNCTION steward_money_sums_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE money_sums s SET amount = s.amount - g.amount, entries = s.entries - g.entries
  FROM (
    SELECT g.grain,
           CASE g.grain WHEN 'day' THEN (r.occurred_at AT TIME ZONE 'UTC')::date
                        ELSE date_trunc('month', r.occurred_at AT TIME ZONE 'UTC')::date END AS bucket,
           r.currency, r.type, coalesce(r.idea, '') AS idea, coalesce(r.stream, '') AS stream,
           coalesce(r.model, '') AS model, r.livemode, sum(r.amount_minor) AS amount, count(*) AS entries
    FROM removed r CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ) g
  WHERE (s.grain, s.bucket, s.currency, s.type, s.idea, s.stream, s.model, s.livemode)
      = (g.grain, g.bucket, g.currency, g.type, g.idea, g.stream, g.model, g.livemode);
  -- Buckets left with no entry go (only those touched: never a scan of the whole table).
  DELETE FROM money_sums s
  USING (
    SELECT DISTINCT g.grain,
           CASE g.grain WHEN 'day' THEN (r.occurred_at AT TIME ZONE 'UTC')::date
                        ELSE date_trunc('month', r.occurred_at AT TIME ZONE 'UTC')::date END AS bucket,
           r.currency, r.type, coalesce(r.idea, '') AS idea, coalesce(r.stream, '') AS stream,
           coalesce(r.model, '') AS model, r.livemode
    FROM removed r CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
  ) g
  WHERE s.entries = 0
    AND (s.grain, s.bucket, s.currency, s.type, s.idea, s.stream, s.model, s.livemode)
      = (g.grain, g.bucket, g.currency, g.type, g.idea, g.stream, g.model, g.livemode);
  RETURN NULL;
END $$;

CREATE TRIGGER money_sums_added AFTER INSERT ON money_entries
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION steward_money_sums_added();
CREATE TRIGGER money_sums_removed AFTER DELETE ON money_entries
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION steward_money_sums_removed();

-- Imports of past events through Stripe's API (`steward stripe import`), one per `since`: the
-- cursor (the last event id taken, Stripe's pages going back in time) so that an interrupted
-- import resumes where it stopped. Events go through the inbox like deliveries, so a page taken
-- twice counts nothing twice.
CREATE TABLE stripe_imports (
  name         text PRIMARY KEY,
  since        timestamptz,
  cursor       text,
  status       text NOT NULL DEFAULT 'running',
  imported     bigint NOT NULL DEFAULT 0,
  pages        integer NOT NULL DEFAULT 0,
  reached_at   timestamptz,
  started_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  CONSTRAINT stripe_imports_status_check CHECK (status IN ('running', 'done'))
);
