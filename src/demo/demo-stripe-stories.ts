/**
 * What the demo's product earns, as Stripe would tell it: test-mode events of Stripe's shapes
 * (the fields Steward reads, and `object`, `livemode`), for three demo ideas (demo-ideas.ts):
 * a course sold by checkout (dollars and euros), an invoice-chasing service sold by subscription
 * (upgrades, downgrades, cancellations, a failed renewal paid two days later), and a newsletter
 * with sponsorship payments (euros and yen, a zero-decimal currency). Some payments carry no
 * idea; some are refunded in part; two are disputed, one won and one lost. Deliveries come a
 * little out of order and some twice, as Stripe's do.
 */

export interface DemoMoneyEvent {
  id: string;
  object: "event";
  type: string;
  created: number;
  livemode: false;
  api_version: string;
  data: { object: Record<string, unknown> };
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
}

const day = 86_400;
const course = { idea: "demo-course-ai-bookkeeping", stream: "courses" };
const chaser = { idea: "demo-invoice-chaser", stream: "subscriptions" };
const newsletter = { idea: "demo-model-price-newsletter", stream: "sponsorship" };

type Charge = Record<string, unknown> & {
  id: string;
  amount: number;
  currency: string;
  payment_intent: string;
};

class Stories {
  readonly events: DemoMoneyEvent[] = [];
  readonly charges: Charge[] = [];
  #n = 0;
  constructor(
    readonly run: string,
    readonly random: () => number,
  ) {}

  id(prefix: string): string {
    return `${prefix}_demo${this.run}${(++this.#n).toString(36)}`;
  }

  emit(type: string, object: Record<string, unknown>, created: number, apiVersion = "2024-06-20") {
    this.events.push({
      id: `evt_demo_${this.run}_${(++this.#n).toString(36)}`,
      object: "event",
      type,
      created: Math.round(created),
      livemode: false,
      api_version: apiVersion,
      data: { object: { ...object, livemode: false } },
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    });
  }

  /** A card payment: its payment intent and charge (with Stripe's fee on its balance transaction). */
  payment(
    amount: number,
    currency: string,
    at: number,
    metadata: Record<string, string>,
    invoice?: string,
  ): Charge {
    const pi = this.id("pi");
    const fee = currency === "jpy" ? Math.round(amount * 0.036) : Math.round(amount * 0.029) + 30;
    const charge: Charge = {
      id: this.id("ch"),
      object: "charge",
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      currency,
      created: Math.round(at),
      status: "succeeded",
      captured: true,
      paid: true,
      payment_intent: pi,
      invoice: invoice ?? null,
      metadata,
      balance_transaction: {
        id: this.id("txn"),
        object: "balance_transaction",
        amount,
        fee,
        currency,
        created: Math.round(at),
      },
    };
    const intent = {
      id: pi,
      object: "payment_intent",
      amount,
      amount_received: amount,
      currency,
      created: Math.round(at),
      status: "succeeded",
      latest_charge: charge.id,
      invoice: invoice ?? null,
      metadata,
    };
    this.emit("payment_intent.succeeded", intent, at + 2);
    this.emit("charge.succeeded", charge, at + 2);
    this.charges.push(charge);
    return charge;
  }

  /** A checkout: completed (and paid), or left to expire. Attribution on the session, or on the payment intent. */
  checkout(
    attribution: { idea: string; stream: string } | null,
    amount: number,
    currency: string,
    at: number,
  ) {
    const session: Record<string, unknown> = {
      id: this.id("cs"),
      object: "checkout.session",
      mode: "payment",
      amount_total: amount,
      currency,
      created: Math.round(at),
      metadata: {},
      payment_intent: null,
    };
    if (this.random() < 0.15) {
      this.emit(
        "checkout.session.expired",
        { ...session, status: "expired", payment_status: "unpaid" },
        at + day,
      );
      return;
    }
    const onSession = this.random() < 0.6;
    const metadata = attribution ?? {};
    const charge = this.payment(amount, currency, at + 60, onSession ? {} : metadata);
    this.emit(
      "checkout.session.completed",
      {
        ...session,
        status: "complete",
        payment_status: "paid",
        payment_intent: charge.payment_intent,
        metadata: onSession ? metadata : {},
      },
      at + 61,
    );
  }

  refund(charge: Charge, share: number, at: number) {
    const refunded = Math.min(
      charge.amount,
      Number(charge.amount_refunded) + Math.round(charge.amount * share),
    );
    charge.amount_refunded = refunded;
    this.emit(
      "charge.refunded",
      { ...charge, amount_refunded: refunded, refunded: refunded === charge.amount },
      at,
    );
  }

  dispute(charge: Charge, won: boolean, at: number) {
    const id = this.id("dp");
    const withdrawn = {
      id: this.id("txn"),
      object: "balance_transaction",
      amount: -charge.amount,
      fee: 1500,
      currency: charge.currency,
      created: Math.round(at),
    };
    const dispute = {
      id,
      object: "dispute",
      amount: charge.amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      created: Math.round(at),
      reason: "fraudulent",
    };
    this.emit(
      "charge.dispute.created",
      { ...dispute, status: "needs_response", balance_transactions: [withdrawn] },
      at,
    );
    if (won) {
      const reinstated = {
        id: this.id("txn"),
        object: "balance_transaction",
        amount: charge.amount,
        fee: 0,
        currency: charge.currency,
        created: Math.round(at + 9 * day),
      };
      this.emit(
        "charge.dispute.closed",
        { ...dispute, status: "won", balance_transactions: [withdrawn, reinstated] },
        at + 9 * day,
      );
      this.emit(
        "charge.dispute.funds_reinstated",
        { ...dispute, status: "won", balance_transactions: [withdrawn, reinstated] },
        at + 9 * day,
      );
    } else
      this.emit(
        "charge.dispute.closed",
        { ...dispute, status: "lost", balance_transactions: [withdrawn] },
        at + 12 * day,
      );
  }

  /**
   * A subscription from `at` until `end`: paid monthly (an invoice and its payment each month),
   * upgraded or downgraded on the way, perhaps cancelled; one renewal fails and is paid two days later.
   */
  subscription(
    at: number,
    end: number,
    plans: number[],
    changeAfterDays: number,
    cancelAfterDays: number | null,
  ) {
    const id = this.id("sub");
    const customer = this.id("cus");
    const state = (price: number, status: string) => ({
      id,
      object: "subscription",
      customer,
      status,
      currency: "usd",
      created: Math.round(at),
      metadata: chaser,
      items: {
        object: "list",
        data: [
          {
            id: `si_${id}`,
            object: "subscription_item",
            quantity: 1,
            price: {
              id: `price_chaser_${price}`,
              object: "price",
              currency: "usd",
              unit_amount: price,
              recurring: { interval: "month", interval_count: 1 },
            },
          },
        ],
      },
    });
    this.emit(
      "customer.created",
      { id: customer, object: "customer", created: Math.round(at), metadata: {} },
      at,
    );
    this.emit("customer.subscription.created", state(plans[0]!, "active"), at);
    const cancelAt = cancelAfterDays === null ? Number.POSITIVE_INFINITY : at + cancelAfterDays * day;
    const changeAt = at + changeAfterDays * day;
    if (plans.length > 1 && changeAt < Math.min(end, cancelAt))
      this.emit("customer.subscription.updated", state(plans[1]!, "active"), changeAt);
    let failedOnce = false;
    for (let paidAt = at; paidAt < Math.min(end, cancelAt); paidAt += 30 * day) {
      const price = plans.length > 1 && paidAt >= changeAt ? plans[1]! : plans[0]!;
      const invoice = {
        id: this.id("in"),
        object: "invoice",
        currency: "usd",
        customer,
        subscription: id,
        subscription_details: { metadata: chaser },
        created: Math.round(paidAt),
        lines: { object: "list", data: [] },
      };
      let when = paidAt;
      if (!failedOnce && paidAt > at && this.random() < 0.35) {
        failedOnce = true;
        this.emit(
          "invoice.payment_failed",
          { ...invoice, status: "open", amount_paid: 0, charge: null, payment_intent: null },
          paidAt,
        );
        this.emit(
          "charge.failed",
          {
            id: this.id("ch"),
            object: "charge",
            amount: price,
            amount_captured: 0,
            amount_refunded: 0,
            currency: "usd",
            created: Math.round(paidAt),
            status: "failed",
            captured: false,
            payment_intent: null,
            metadata: {},
          },
          paidAt,
        );
        when = paidAt + 2 * day;
      }
      const charge = this.payment(price, "usd", when, {}, invoice.id);
      this.emit(
        "invoice.paid",
        {
          ...invoice,
          status: "paid",
          amount_paid: price,
          charge: charge.id,
          payment_intent: charge.payment_intent,
          status_transitions: { paid_at: Math.round(when) },
        },
        when + 1,
      );
    }
    // A cancellation Stripe may deliver before the update it follows: out of order on purpose.
    if (cancelAt < end)
      this.emit("customer.subscription.deleted", state(plans.at(-1)!, "canceled"), cancelAt);
  }

  /** The events by time, a few delivered early or late, and one in twenty twice. */
  deliveries(): DemoMoneyEvent[] {
    const sorted = [...this.events].sort((a, b) => a.created - b.created);
    for (let i = 1; i < sorted.length; i++)
      if (this.random() < 0.12) [sorted[i - 1], sorted[i]] = [sorted[i]!, sorted[i - 1]!];
    const out: DemoMoneyEvent[] = [];
    for (const event of sorted) {
      out.push(event);
      if (this.random() < 0.05) out.push(event);
    }
    return out;
  }
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function oneOff(s: Stories, at: number) {
  const r = s.random();
  if (r < 0.55)
    s.checkout(
      s.random() < 0.1 ? null : course,
      pick(s.random, [4900, 7900, 12900]),
      s.random() < 0.7 ? "usd" : "eur",
      at,
    );
  else if (r < 0.8)
    s.checkout(s.random() < 0.2 ? null : newsletter, pick(s.random, [20000, 35000]), "eur", at);
  else s.checkout(newsletter, pick(s.random, [5000, 9000]), "jpy", at);
}

/** The last 60 days of the demo product's money, delivered in one go at the demo's first start. */
export function demoMoneyHistory(run: string, now: Date, random: () => number): DemoMoneyEvent[] {
  const s = new Stories(run, random);
  const end = Math.floor(now.getTime() / 1000) - 60;
  const start = end - 60 * day;
  for (let at = start; at < end; at += day / 1.5) oneOff(s, at + random() * 3600);
  for (let i = 0; i < 14; i++) {
    const at = start + random() * 50 * day;
    const upgrade = random() < 0.5;
    const plans = random() < 0.7 ? (upgrade ? [2900, 4900] : [4900, 1900]) : [2900];
    s.subscription(at, end, plans, 10 + random() * 30, random() < 0.3 ? 15 + random() * 30 : null);
  }
  // Refunds and disputes on recent payments, so that the last 30 days show them.
  const paid = s.charges.filter((c) => c.invoice === null && Number(c.created) > end - 25 * day);
  for (let i = 0; i < 5; i++) {
    const charge = pick(random, paid);
    s.refund(charge, 0.3, Number(charge.created) + 3 * day);
  }
  const [won, lost] = [paid[3], paid[7]];
  if (won) s.dispute(won, true, Number(won.created) + 4 * day);
  if (lost) s.dispute(lost, false, Number(lost.created) + 5 * day);
  return s.deliveries().filter((e) => e.created <= end + 60);
}

/** One live step of the demo: a new checkout, and now and then a subscription or a partial refund. */
export function demoMoneyStory(run: string, step: number, now: Date, random: () => number): DemoMoneyEvent[] {
  const s = new Stories(`${run}s${step.toString(36)}`, random);
  const at = Math.floor(now.getTime() / 1000) - 65;
  oneOff(s, at);
  if (step % 6 === 5) s.subscription(at, at + 60, [2900], 30, null);
  if (step % 9 === 8 && s.charges[0]) s.refund(s.charges[0], 0.5, at + 64);
  return s.deliveries().filter((e) => e.created <= at + 70);
}
