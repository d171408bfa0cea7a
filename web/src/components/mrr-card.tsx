import { formatCount } from "../format.ts";
import type { MrrMovements } from "../money-api.ts";
import { formatMoney, formatRatio } from "../money-format.ts";

const movements = [
  { part: "start", label: "MRR at start", sign: "" },
  { part: "new", label: "new", sign: "+" },
  { part: "expansion", label: "expansion", sign: "+" },
  { part: "reactivation", label: "reactivation", sign: "+" },
  { part: "contraction", label: "contraction", sign: "−" },
  { part: "churn", label: "churn", sign: "−" },
  { part: "end", label: "MRR at end", sign: "" },
] as const;

/**
 * MRR's movements over the period, per currency, as the server counted them (start + new +
 * expansion + reactivation − contraction − churn = end): a bar each, against the currency's
 * largest, green for what was gained and red for what was lost; then churn, ARPA and LTV.
 */
export function MrrCard({ mrr }: { mrr: MrrMovements[] }) {
  return (
    <section class="card" data-testid="money-mrr">
      <h2>MRR movements</h2>
      {mrr.length === 0 ? (
        <p class="muted" data-testid="mrr-empty">
          No subscription seen: MRR follows Stripe's <code>customer.subscription.*</code> events.
        </p>
      ) : (
        <div class="mrr-currencies">
          {mrr.map((m) => (
            <MrrCurrency key={m.currency} movements={m} />
          ))}
        </div>
      )}
    </section>
  );
}

function MrrCurrency({ movements: m }: { movements: MrrMovements }) {
  const largest = Math.max(0, ...movements.map(({ part }) => m[part]));
  const money = (minor: number | null) => (minor === null ? "–" : formatMoney(minor, m.currency));
  return (
    <div class="mrr-currency" data-testid="mrr-currency" data-currency={m.currency}>
      <h3 class="mrr-title mono">{m.currency.toUpperCase()}</h3>
      <div class="hbars">
        {movements.map(({ part, label, sign }) => (
          <div class="hbar-row" key={part} data-testid="mrr-movement" data-part={part}>
            <span class={sign === "" ? "hbar-label strong" : "hbar-label"}>
              {sign && <span class="mrr-sign">{sign}</span>}
              {label}
            </span>
            <span class="hbar-track" aria-hidden="true">
              <span
                class={`hbar-fill mrr-${sign === "+" ? "gain" : sign === "−" ? "loss" : "level"}`}
                style={{
                  width: `${largest > 0 ? Math.round((m[part] / largest) * 1_000) / 10 : 0}%`,
                }}
              />
            </span>
            <span class="hbar-value" data-testid="mrr-value">
              {formatMoney(m[part], m.currency)}
            </span>
          </div>
        ))}
      </div>
      <dl class="money-dl">
        <dt>Paying customers</dt>
        <dd data-testid="mrr-customers">
          {formatCount(m.customersAtStart)} → {formatCount(m.customersAtEnd)}
        </dd>
        <dt>Customer churn rate</dt>
        <dd data-testid="mrr-churn-rate">
          {formatRatio(m.customerChurnRate)}{" "}
          <span class="muted">
            ({formatCount(m.churnedCustomers)} of {formatCount(m.customersAtStart)} left)
          </span>
        </dd>
        <dt>ARPA</dt>
        <dd data-testid="mrr-arpa">{money(m.arpa)}</dd>
        <dt>LTV</dt>
        <dd data-testid="mrr-ltv" title={m.ltv === null ? "Nobody churned: LTV is undefined" : undefined}>
          {money(m.ltv)}
          {m.ltv === null && m.arpa !== null && <span class="muted"> (nobody churned)</span>}
        </dd>
      </dl>
    </div>
  );
}
