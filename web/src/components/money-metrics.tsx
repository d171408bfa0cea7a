import { formatCount } from "../format.ts";
import type { RevenueMetrics } from "../money-api.ts";
import { formatMoney, formatRatio } from "../money-format.ts";

/** A bar's width in percent of the track, to a tenth. */
const widthOf = (share: number) => `${Math.round(Math.min(1, Math.max(0, share)) * 1_000) / 10}%`;

/**
 * Checkout sessions created → completed, then the charges paid, refunded and disputed, as bars
 * against the largest count. Paid counts every charge that succeeded, through Checkout or not, so
 * it may pass the checkouts completed.
 */
export function FunnelCard({ funnel }: { funnel: RevenueMetrics["funnel"] }) {
  const steps = [
    { step: "created", label: "Checkouts created", count: funnel.checkoutsCreated },
    { step: "completed", label: "Completed", count: funnel.checkoutsCompleted },
    { step: "paid", label: "Charges paid", count: funnel.paid },
    { step: "refunded", label: "Refunded", count: funnel.refunded },
    { step: "disputed", label: "Disputed", count: funnel.disputed },
  ];
  const largest = Math.max(0, ...steps.map((s) => s.count));
  return (
    <section class="card" data-testid="money-funnel">
      <h2>Funnel</h2>
      <div class="hbars">
        {steps.map((s) => (
          <div class="hbar-row" key={s.step} data-testid="funnel-step" data-step={s.step}>
            <span class="hbar-label">{s.label}</span>
            <span class="hbar-track" aria-hidden="true">
              <span
                class={`hbar-fill funnel-${s.step}`}
                style={{ width: widthOf(largest > 0 ? s.count / largest : 0) }}
              />
            </span>
            <span class="hbar-value" data-testid="funnel-count">
              {formatCount(s.count)}
            </span>
          </div>
        ))}
      </div>
      <p class="money-facts">
        Checkout conversion{" "}
        <strong data-testid="funnel-conversion">{formatRatio(funnel.checkoutConversion)}</strong>{" "}
        <span class="muted">(completed ÷ created; {formatCount(funnel.checkoutsExpired)} expired)</span>
      </p>
    </section>
  );
}

/** Charges that failed against those that succeeded, invoices recovered after a failure, disputes. */
export function PaymentsCard({ payments }: { payments: RevenueMetrics["payments"] }) {
  return (
    <section class="card" data-testid="money-payments">
      <h2>Payment failures</h2>
      <div class="counters money-counters">
        <Counter label="failed" value={formatCount(payments.failed)} testId="payments-failed" />
        <Counter
          label="failure rate"
          value={formatRatio(payments.failureRate)}
          testId="payments-failure-rate"
        />
        <Counter
          label="recovered invoices"
          value={formatCount(payments.recovered)}
          testId="payments-recovered"
        />
      </div>
      <dl class="money-dl">
        <dt>Charges succeeded</dt>
        <dd data-testid="payments-succeeded">{formatCount(payments.succeeded)}</dd>
        <dt>Recovered</dt>
        <dd data-testid="payments-recovered-amounts">
          {payments.recoveredAmounts.length === 0
            ? "–"
            : payments.recoveredAmounts.map((r) => formatMoney(r.amount, r.currency)).join(", ")}
        </dd>
        <dt>Dispute rate</dt>
        <dd data-testid="payments-dispute-rate">{formatRatio(payments.disputeRate)}</dd>
      </dl>
      <p class="muted money-explain">
        Failure rate: failed ÷ (succeeded + failed) charges. Recovered: invoices paid in the period after a
        failed payment.
      </p>
    </section>
  );
}

/** Per currency, how much of the revenue names no idea: what ROI by idea cannot place. */
export function UnattributedCard({ totals }: { totals: RevenueMetrics["totals"] }) {
  const earning = totals.filter((t) => t.revenue > 0);
  return (
    <section class="card" data-testid="money-unattributed">
      <h2>Unattributed revenue</h2>
      {earning.length === 0 ? (
        <p class="muted">No revenue in the last 30 days.</p>
      ) : (
        <div class="hbars">
          {earning.map((t) => {
            const share = t.unattributedRevenue / t.revenue;
            return (
              <div
                class="hbar-row"
                key={t.currency}
                data-testid="unattributed-row"
                data-currency={t.currency}
              >
                <span class="hbar-label mono">{t.currency.toUpperCase()}</span>
                <span class="hbar-track" aria-hidden="true">
                  <span class="hbar-fill unattributed-fill" style={{ width: widthOf(share) }} />
                </span>
                <span class="hbar-value" data-testid="unattributed-share">
                  {formatRatio(share)}
                </span>
                <span class="hbar-note muted" data-testid="unattributed-amounts">
                  {formatMoney(t.unattributedRevenue, t.currency)} of {formatMoney(t.revenue, t.currency)}
                </span>
              </div>
            );
          })}
        </div>
      )}
      <p class="muted money-explain">
        Revenue whose Stripe metadata names no <code>idea</code> (or <code>idea_id</code>), of the gross
        revenue: set it on the checkout session, payment intent or subscription.
      </p>
    </section>
  );
}

function Counter({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div class="counter">
      <span class="counter-value" data-testid={testId}>
        {value}
      </span>
      <span class="muted">{label}</span>
    </div>
  );
}
