import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import Stripe from "stripe";
import type { Database } from "../db/database.ts";
import { addExpenses, listExpenses } from "../money/expenses.ts";
import type { MoneyConfig } from "../money/money-config.ts";
import type { StripeConfig } from "../money/stripe-config.ts";
import { type DemoMoneyEvent, demoMoneyHistory, demoMoneyStory } from "./demo-stripe-stories.ts";

/**
 * The demo's money: a stream of signed, test-mode Stripe events sent through Steward's own
 * webhook route (POST /webhooks/stripe, signature and all), as a product with three ideas would
 * receive them: checkouts, subscriptions that upgrade, downgrade and cancel, a failed payment
 * recovered, partial refunds, disputes won and lost, some revenue without attribution, repeated
 * and out-of-order deliveries (demo-stripe-stories.ts). First the last 60 days, so that the Money
 * page has a history (once per database), then a new step every few seconds. With the demo's
 * expenses (hosting, tools, a contractor), so that ROI has costs beside the demo's AI spend.
 */

const demoSecretPrefix = "whsec_demo_";

/**
 * The configuration with the demo's webhook secret when none is configured (a fresh one each
 * process: the demo signs with it, nothing else does) and test-mode money counted, since the
 * demo's money is all test mode. A configured secret means real deliveries: the demo then sends
 * none.
 */
export function withDemoMoney<C extends { stripe: StripeConfig; money: MoneyConfig }>(config: C): C {
  if (config.stripe.webhookSecrets.length > 0) return config;
  return {
    ...config,
    stripe: {
      ...config.stripe,
      webhookSecrets: [`${demoSecretPrefix}${randomBytes(18).toString("hex")}`],
      testEvents: "counted",
    },
    // The demo earns euros and yen too: illustrative rates (the user's own replace them), so that
    // its ROI sets them against the dollars its models cost.
    money: Object.keys(config.money.rates).length > 0 ? config.money : { ...config.money, rates: demoRates },
  };
}

/** Round figures for the demo (in dollars), not market rates: one euro 1.08 dollars, one yen 0.0067. */
export const demoRates: Record<string, number> = { eur: 1.08, jpy: 0.0067 };

/** The secret the demo signs with, when the configuration is the demo's. */
export function demoWebhookSecret(config: { stripe: StripeConfig }): string | undefined {
  const [secret, ...others] = config.stripe.webhookSecrets;
  return others.length === 0 && secret?.startsWith(demoSecretPrefix) ? secret : undefined;
}

export interface DemoStripe {
  /** Deliveries sent so far (repeats included). */
  readonly sent: number;
  stop(): Promise<void>;
}

export async function startDemoStripe(
  deps: { db: Database; logger: Logger },
  options: { url: string; secret: string; intervalMs?: number; random?: () => number; now?: () => Date },
): Promise<DemoStripe> {
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const intervalMs = options.intervalMs ?? 4_000;
  // Ids unique to this run: a demo started again on the same database adds, never collides.
  const run = randomBytes(3).toString("hex");
  let sent = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const deliver = async (events: DemoMoneyEvent[]) => {
    for (const event of events) {
      if (stopped) return;
      const payload = JSON.stringify(event);
      const response = await fetch(`${options.url}/webhooks/stripe`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret }),
        },
        body: payload,
      });
      if (!response.ok) throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
      sent++;
    }
  };

  await ensureDemoExpenses(deps.db, now());
  const { rows } = await deps.db.query("SELECT 1 FROM stripe_events WHERE id LIKE 'evt_demo_%' LIMIT 1");
  if (rows.length === 0) await deliver(demoMoneyHistory(run, now(), random));
  let step = 0;
  const tick = () => {
    inFlight = deliver(demoMoneyStory(run, step++, now(), random))
      .catch((error) => deps.logger.warn({ err: error }, "demo: a Stripe event was not delivered; going on"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

/** The demo product's costs besides AI: recorded once per database (their names start "Demo:"). */
async function ensureDemoExpenses(db: Database, today: Date): Promise<void> {
  const existing = await listExpenses(db);
  if (existing.some((e) => e.name.startsWith("Demo:"))) return;
  const daysAgo = (n: number) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  await addExpenses(
    db,
    [
      {
        name: "Demo: hosting",
        category: "hosting",
        amount: "39.00",
        currency: "usd",
        every: "month",
        from: daysAgo(75),
      },
      {
        name: "Demo: design tool",
        category: "tools",
        amount: "12.00",
        currency: "usd",
        every: "month",
        from: daysAgo(50),
        stream: "courses",
      },
      {
        name: "Demo: course video editing",
        category: "people",
        amount: "180.00",
        currency: "usd",
        from: daysAgo(40),
        idea: "demo-course-ai-bookkeeping",
      },
      {
        name: "Demo: newsletter ads",
        category: "marketing",
        amount: "60.00",
        currency: "eur",
        from: daysAgo(20),
        idea: "demo-model-price-newsletter",
      },
    ],
    today,
  );
}
