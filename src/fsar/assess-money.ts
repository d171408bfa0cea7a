import { currencyDecimals, formatMinor } from "../money/currencies.ts";
import { type RoiRow, roiOf } from "../money/roi.ts";
import {
  type AssessmentWindow,
  type Assessor,
  type AssessorDeps,
  finding,
  percent,
  windowOf,
} from "./assessor.ts";
import type { Finding } from "./fsar-report.ts";
import {
  type BudgetFact,
  beforeMs,
  budgetFacts,
  dayMs,
  disputeDays,
  disputeFacts,
  type RefundFacts,
  refundFacts,
  type StripeDecisions,
  stripeDecisions,
} from "./money-facts.ts";

/** The ladders of rubric.ts's money codes. */
const paymentFailures = { minAttempts: 10, share: 0.15, worse: 0.3 };
const refunds = { share: 0.1, minPayments: 5 };
const disputes = { share: 0.0075, minCharges: 100 };
const conversion = { minSessions: 10, fall: 0.5 };
const unattributed = { note: 0.05, fifth: 0.2, half: 0.5 };

/**
 * Money: payments failing, refunds and disputes against revenue, checkout conversion falling,
 * revenue no idea claims, ideas costing more than they earn, and budgets spent (the one money
 * finding that blocks: the kinds that spend on the budget stop). Read from the inbox's type index,
 * the ledger's sums and ROI, and the day rollups (money-facts.ts); a clean system finds nothing.
 */
export const moneyAssessor: Assessor = {
  name: "money",
  async assess(deps, window) {
    const mode = deps.ledgerMode;
    const period = { since: window.from, until: window.to, mode };
    // Costs are booked per UTC day (AI usage and expenses at midnight): ROI reads whole days.
    const dayStart = new Date(Math.floor(window.from.getTime() / dayMs) * dayMs);
    const [decisions, refundSums, disputeSums, roiWindow, roiDays, budgets] = await Promise.all([
      stripeDecisions(deps.db, window, mode),
      refundFacts(deps.db, deps.money, period),
      disputeFacts(deps.db, window.to, mode),
      roiOf(deps.db, deps.money, { ...period, by: "idea" }),
      roiOf(deps.db, deps.money, { since: dayStart, until: window.to, mode, by: "idea" }),
      budgetFacts(deps.db, deps.models, deps.kinds, window),
    ]);
    return [
      ...paymentFailureFindings(decisions, window),
      ...refundFindings(refundSums, window),
      ...disputeFindings(disputeSums),
      ...conversionFindings(decisions, window),
      ...unattributedFindings(roiWindow.converted, window),
      ...negativeRoiFindings(deps, roiDays.converted, { from: dayStart, to: window.to }, window),
      ...budgets.map((b) => budgetFinding(b, window)),
    ];
  },
};

const before = (window: AssessmentWindow) =>
  windowOf({ from: new Date(window.from.getTime() - beforeMs), to: window.from });
const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const round = (x: number | null) => (x === null ? null : Number(x.toFixed(6)));

function paymentFailureFindings(d: StripeDecisions, window: AssessmentWindow): Finding[] {
  const failed = d.chargesFailed.now;
  const attempts = failed + d.chargesSucceeded.now;
  const rate = share(failed, attempts);
  if (rate === null || attempts < paymentFailures.minAttempts || rate < paymentFailures.share) return [];
  const earlierAttempts = d.chargesFailed.before + d.chargesSucceeded.before;
  const earlier = share(d.chargesFailed.before, earlierAttempts);
  return [
    finding("money.payment_failures", {
      scope: "payments",
      severity: rate >= paymentFailures.worse ? 7 : 5,
      summary: `Payment failures: ${failed} of ${attempts} payment attempts failed (${percent(rate)}) over the last ${window.label}, against ${earlier === null ? "no attempts" : percent(earlier)} the 24 hours before.`,
      evidence: {
        numbers: {
          failed,
          succeeded: d.chargesSucceeded.now,
          attempts,
          failureRate: round(rate),
          failedBefore: d.chargesFailed.before,
          attemptsBefore: earlierAttempts,
          failureRateBefore: round(earlier),
          threshold: paymentFailures.share,
        },
        window: windowOf(window),
        source: `stripe_events charge.failed and charge.succeeded by created_at (each charge once), the payment_failure_rate of money-indicators.ts; the 24 hours before: ${before(window).from} to ${before(window).to}`,
      },
      remedy: [
        {
          text: "Read the failed charges' errors: a declining card network, a bad integration, fraud rules.",
          command: "steward stripe events --type charge.failed",
        },
        {
          text: "Check that the events were processed, not left failing in the inbox.",
          command: "steward stripe events --status failed",
        },
        {
          text: "See the money that did come in over the window.",
          command: `steward money ledger --since ${window.label}`,
        },
        {
          text: "Turn on Stripe's Smart Retries and card updater for subscriptions, so declines are retried and recovered.",
        },
      ],
      risk: `${percent(rate)} of payment attempts fail: customers who meant to pay are lost, and a rising decline rate can make Stripe's and the banks' fraud checks stricter.`,
      mitigation:
        "Watch the payment_failure_rate alert; compare the failed charges' decline codes before changing prices or checkout.",
    }),
  ];
}

function refundFindings(r: RefundFacts, window: AssessmentWindow): Finding[] {
  const rate = share(-r.refunds, r.revenue);
  if (rate === null || r.payments < refunds.minPayments || rate <= refunds.share) return [];
  const money = (minor: number) => formatMinor(Math.round(minor), r.currency);
  return [
    finding("money.refund_rate", {
      scope: "revenue",
      severity: 5,
      summary: `Refunds: ${money(-r.refunds)} refunded against ${money(r.revenue)} of revenue from ${r.payments} payments (${percent(rate)}) over the last ${window.label}, above the ${percent(refunds.share)} line.`,
      evidence: {
        numbers: {
          refundsMinor: Math.round(-r.refunds),
          revenueMinor: Math.round(r.revenue),
          payments: r.payments,
          refundRate: round(rate),
          threshold: refunds.share,
          currency: r.currency,
          missingRates: r.missingRates.join(",") || null,
        },
        window: windowOf(window),
        source:
          "ledger-sums.ts ledgerSums (money_sums and money_entries): refund and revenue entries, converted through money.rates",
      },
      remedy: [
        {
          text: "List the refunds and what they were for.",
          command: `steward money ledger --since ${window.label}`,
        },
        {
          text: "See which ideas the refunded money belonged to.",
          command: `steward roi --by idea --since ${window.label}`,
        },
      ],
      risk: `${percent(rate)} of revenue goes back out as refunds: what is sold does not meet what was promised, and revenue overstates what is kept.`,
      mitigation:
        "Find the product or idea the refunds concentrate on before selling more of it; read ROI net of refunds.",
    }),
  ];
}

function disputeFindings(d: Awaited<ReturnType<typeof disputeFacts>>): Finding[] {
  const rate = share(d.disputes, d.charges);
  if (rate === null || d.charges < disputes.minCharges || rate <= disputes.share) return [];
  return [
    finding("money.dispute_rate", {
      scope: "payments",
      severity: 7,
      summary: `Disputes: ${d.disputes} disputes against ${d.charges} charges (${percent(rate)}) over the last ${disputeDays} days, above the ${percent(disputes.share)} at which card networks start watching an account.`,
      evidence: {
        numbers: {
          disputes: d.disputes,
          charges: d.charges,
          disputeRate: round(rate),
          threshold: disputes.share,
          days: disputeDays,
        },
        window: windowOf({ from: d.since, to: d.until }),
        source: `stripe_events charge.dispute.* (disputes past inquiry, opened in the period) over ledger-sums.ts ledgerSums revenue entries (one per charge); ${disputeDays} days rather than the report's window, since card networks judge dispute rates monthly`,
      },
      remedy: [
        {
          text: "Read the disputes and their reasons (fraudulent, product not received, unrecognised).",
          command: "steward stripe events --type charge.dispute.created",
        },
        { text: "Answer open disputes with evidence in Stripe's dashboard before their deadline." },
        {
          text: "Make the statement descriptor recognisable and turn on Radar rules for the fraud the reasons show.",
        },
      ],
      risk: `Disputes at ${percent(rate)} of charges: past 0.75 % Visa and Mastercard put the account in a monitoring program with fines, and Stripe may hold payouts or close it.`,
      mitigation:
        "Refund doubtful charges before they become disputes, and track this rate monthly until it is under 0.75 %.",
    }),
  ];
}

function conversionFindings(d: StripeDecisions, window: AssessmentWindow): Finding[] {
  const sessions = d.checkoutsCompleted.now + d.checkoutsExpired.now;
  const sessionsBefore = d.checkoutsCompleted.before + d.checkoutsExpired.before;
  const rate = share(d.checkoutsCompleted.now, sessions);
  const earlier = share(d.checkoutsCompleted.before, sessionsBefore);
  if (rate === null || earlier === null || earlier === 0) return [];
  if (sessions < conversion.minSessions || sessionsBefore < conversion.minSessions) return [];
  if (rate > earlier * conversion.fall) return [];
  return [
    finding("money.checkout_conversion", {
      scope: "checkout",
      severity: 5,
      summary: `Checkout conversion: ${d.checkoutsCompleted.now} of ${sessions} checkout sessions completed (${percent(rate)}) over the last ${window.label}, against ${d.checkoutsCompleted.before} of ${sessionsBefore} (${percent(earlier)}) the 24 hours before: half or less.`,
      evidence: {
        numbers: {
          completed: d.checkoutsCompleted.now,
          expired: d.checkoutsExpired.now,
          sessions,
          conversion: round(rate),
          completedBefore: d.checkoutsCompleted.before,
          sessionsBefore,
          conversionBefore: round(earlier),
          ratio: round(rate / earlier),
        },
        window: windowOf(window),
        source: `stripe_events checkout.session.completed and checkout.session.expired by created_at (each session once, decided ones only, as money-indicators.ts checkout_conversion); the 24 hours before: ${before(window).from} to ${before(window).to}`,
      },
      remedy: [
        {
          text: "Look at the expired sessions: a broken payment method, a price or page change, a currency not offered.",
          command: "steward stripe events --type checkout.session.expired",
        },
        { text: "Try the checkout yourself in test mode, with the payment methods customers use." },
      ],
      risk: `Conversion fell from ${percent(earlier)} to ${percent(rate)}: customers who reach checkout leave, and the revenue they bring stops with it.`,
      mitigation:
        "Roll back the latest change to checkout or prices if the fall began with it; keep the checkout_conversion alert on.",
    }),
  ];
}

function unattributedFindings(
  converted: { currency: string; rows: RoiRow[]; missingRates: string[] },
  window: AssessmentWindow,
): Finding[] {
  const total = converted.rows.reduce((sum, r) => sum + Math.max(r.grossRevenue, 0), 0);
  const orphan = converted.rows
    .filter((r) => r.key === null)
    .reduce((sum, r) => sum + Math.max(r.grossRevenue, 0), 0);
  const rate = share(orphan, total);
  if (rate === null || rate < unattributed.note) return [];
  const money = (minor: number) => formatMinor(Math.round(minor), converted.currency);
  return [
    finding("money.unattributed_revenue", {
      scope: "revenue",
      severity: rate >= unattributed.half ? 6 : rate >= unattributed.fifth ? 5 : 3,
      summary: `Unattributed revenue: ${money(orphan)} of ${money(total)} of revenue (${percent(rate)}) over the last ${window.label} is claimed by no idea.`,
      evidence: {
        numbers: {
          unattributedMinor: Math.round(orphan),
          revenueMinor: Math.round(total),
          share: round(rate),
          currency: converted.currency,
          missingRates: converted.missingRates.join(",") || null,
        },
        window: windowOf(window),
        source:
          "roi.ts roiOf by idea (converted rows): the (unattributed) row's gross revenue over every row's",
      },
      remedy: [
        {
          text: "List the payments no idea claims.",
          command: `steward money ledger --since ${window.label} --idea unattributed`,
        },
        {
          text: "Set Stripe metadata `idea` (the idea's key, and `stream` if it has one) on the Checkout Sessions, Payment Links or subscriptions that sell each idea: Steward reads it from the session, payment intent, charge, subscription, price or product.",
        },
        { text: "See ROI by idea once attributed.", command: "steward roi --by idea" },
      ],
      risk: `${percent(rate)} of revenue belongs to no idea: ROI per idea understates what earns, and work may be stopped on ideas that pay.`,
      mitigation:
        "Attribute new payments through metadata at the source; old ones stay unattributed, so read ROI for periods after the change.",
    }),
  ];
}

function negativeRoiFindings(
  deps: AssessorDeps,
  converted: { currency: string; rows: RoiRow[] },
  period: { from: Date; to: Date },
  window: AssessmentWindow,
): Finding[] {
  const oneUnit = 10 ** currencyDecimals(converted.currency);
  const money = (minor: number) => formatMinor(Math.round(minor), converted.currency);
  return converted.rows
    .filter((r): r is RoiRow & { key: string } => r.key !== null && r.cost >= oneUnit && r.cost > r.revenue)
    .map((r) =>
      finding("money.negative_roi", {
        scope: r.key,
        severity: 4,
        summary: `Idea ${r.key} costs ${money(r.cost)} against ${money(r.revenue)} of net revenue (ROI ${r.roi === null ? "–" : percent(r.roi)}) since ${period.from.toISOString()}, the last ${window.label} widened to whole UTC days.`,
        evidence: {
          numbers: {
            costMinor: r.cost,
            aiSpendMinor: r.aiSpend,
            expensesMinor: r.expenses,
            revenueMinor: r.revenue,
            profitMinor: r.profit,
            roi: round(r.roi),
            currency: converted.currency,
          },
          window: windowOf(period),
          source:
            "roi.ts roiOf by idea (converted rows), over whole UTC days since AI usage and expenses are booked per day",
        },
        remedy: [
          {
            text: `See the idea's revenue and costs over a longer period.`,
            command: `steward roi --by idea --since 30d`,
          },
          { text: "See which models its tasks spend on.", command: "steward roi --by model --since 30d" },
          ...(r.aiSpend > 0
            ? [
                {
                  text: `Cap the idea's AI spend at about what it spent over the period while it earns less than it costs (its tasks stop at the cap).`,
                  config: JSON.stringify(
                    { budgets: [{ scope: "idea", id: r.key, dailyUsd: Math.ceil(r.aiSpend / oneUnit) }] },
                    null,
                    2,
                  ),
                },
              ]
            : []),
        ],
        risk: `${r.key} loses ${money(r.cost - r.revenue)} over the period: work on it spends more than it brings.`,
        mitigation: deps.models.ideaBudgets().some((b) => b.id === r.key)
          ? "Its budget bounds the loss; review the idea before raising it."
          : "Give it an idea budget, or move its tasks to cheaper models, until its revenue covers its cost.",
      }),
    );
}

function budgetFinding(b: BudgetFact, window: AssessmentWindow): Finding {
  const usd = (x: number) => Number(x.toFixed(4));
  const field = b.cap.period;
  const raised = Math.ceil(Math.max((b.cap.capUsd ?? 0) * 2, b.cap.spentUsd * 1.5, 1));
  const config =
    b.cap.scope === "model"
      ? { models: [{ id: b.cap.id, [`${field}BudgetUsd`]: raised }] }
      : { budgets: [{ scope: b.cap.scope, id: b.cap.id, [`${field}Usd`]: raised }] };
  const what = b.scope === "model" ? `model ${b.id}` : `idea ${b.id}`;
  return finding("money.budget_exceeded", {
    scope: `${b.scope}:${b.id}`,
    kinds: b.kinds,
    summary: `Budget exceeded: ${b.reason}; ${what} has spent $${b.spentTodayUsd.toFixed(2)} today and $${b.spentMonthUsd.toFixed(2)} this month, and the kinds that spend on it (${b.kinds.join(", ") || "all"}) stop until ${b.renewsAt.toISOString()}.`,
    evidence: {
      numbers: {
        spentUsd: usd(b.cap.spentUsd),
        capUsd: b.cap.capUsd,
        period: b.cap.period,
        capScope: b.cap.scope,
        capId: b.cap.id,
        spentTodayUsd: usd(b.spentTodayUsd),
        spentMonthUsd: usd(b.spentMonthUsd),
        renewsAt: b.renewsAt.toISOString(),
        kindsFrom: b.kindsFrom,
      },
      window: windowOf(window),
      source: `model-world.ts readModelWorld spend (task_rollups and idea_rollups, day grain, this month) against the configured budgets; kinds from ${b.scope === "model" ? "task_rollups" : "idea_rollups"} (${b.kindsFrom})`,
    },
    remedy: [
      {
        text: `Raise the ${b.cap.period} budget of ${b.cap.scope} ${b.cap.id} from $${b.cap.capUsd ?? 0} to $${raised}, if the spend is intended.`,
        config: JSON.stringify(config, null, 2),
      },
      {
        text: `Or wait for the next period: the ${b.cap.period} budget renews at ${b.renewsAt.toISOString()}, and the gate opens when a report no longer finds it spent.`,
      },
      { text: "See what holds the gate and which findings closed it.", command: "steward gate status" },
      { text: "See each model's spend against its budget.", command: "steward models" },
    ],
    risk: `AI spend on ${what} is past the ${b.cap.period} cap of $${b.cap.capUsd ?? 0}: more work would spend money nobody approved.`,
    mitigation:
      "Set budgets with headroom over the usual spend and route bulk work to cheaper models, so a cap is a guard rather than a daily stop.",
  });
}
