import { useMemo } from "preact/hooks";
import { LearnedSuccess } from "../components/learned-success.tsx";
import { Meter } from "../components/meter.tsx";
import { ModelStateBadge } from "../components/model-state-badge.tsx";
import { formatCount, formatCountdown, formatMs, formatPercent, formatTime, formatUsd } from "../format.ts";
import { fetchModels, type ModelStatus, type ModelsStatus } from "../model-api.ts";
import { useNow } from "../use-now.ts";
import { usePolled } from "../use-polled.ts";
import "../curves.css";

const refreshMs = 2_000;

/**
 * Every configured model with its live state, as the scheduler sees it: load against limits,
 * spend against budgets, cooldowns, recent latency and what was learned per task kind; then,
 * model by model, the success curves the scheduler learned.
 */
export function ModelsPage() {
  const { data, error } = usePolled(fetchModels, refreshMs, "the models");
  // Cooldowns end at the server's time: count down on its clock, not the browser's.
  const skewMs = useMemo(() => (data ? Date.parse(data.at) - Date.now() : 0), [data]);

  return (
    <div class="page">
      <div class="page-title">
        <h1>Models</h1>
        {data && (
          <span class="muted" data-testid="models-checked-at">
            {summary(data)} · checked {new Date(data.at).toLocaleTimeString()} · refreshes every{" "}
            {refreshMs / 1000} s
          </span>
        )}
      </div>
      {error && (
        <div class="banner banner-error" role="alert" data-testid="models-error">
          {error}
          {data ? " Showing the last known state." : ""}
        </div>
      )}
      {data === null ? (
        !error && <p class="muted">Loading models…</p>
      ) : data.models.length === 0 ? (
        <NoModels />
      ) : (
        <>
          <ExhaustedIdeas ideas={data.exhaustedIdeas} />
          <div class="model-grid">
            {data.models.map((model) => (
              <ModelCard key={model.id} model={model} skewMs={skewMs} />
            ))}
          </div>
          <LearnedSuccess models={data.models} />
        </>
      )}
    </div>
  );
}

function summary(data: ModelsStatus): string {
  const available = data.models.filter((m) => m.state === "available").length;
  return `${data.models.length} ${data.models.length === 1 ? "model" : "models"}, ${available} available`;
}

function NoModels() {
  return (
    <section class="card" data-testid="no-models">
      <p class="card-value">No models configured</p>
      <p class="muted">
        Add <code>providers</code> and <code>models</code> to <code>steward.config.json</code> (see the
        README, “Models”) and restart. On the embedded database, <code>steward start</code> brings the demo's
        simulated models unless <code>--no-demo</code> is given.
      </p>
    </section>
  );
}

function ExhaustedIdeas({ ideas }: { ideas: Record<string, string> }) {
  const reasons = Object.values(ideas);
  if (reasons.length === 0) return null;
  return (
    <div class="banner banner-warning" data-testid="exhausted-ideas">
      Ideas at their budget, whose tasks get no model: {reasons.join("; ")}.
    </div>
  );
}

function ModelCard({ model, skewMs }: { model: ModelStatus; skewMs: number }) {
  return (
    <section
      class="card model-card"
      data-testid="model-card"
      data-model-id={model.id}
      data-state={model.state}
    >
      <div class="model-head">
        <div class="model-name">
          <h3 class="mono" data-testid="model-id">
            {model.id}
          </h3>
          <span class="muted">
            {model.provider} · <span class="mono">{model.model}</span>
          </span>
        </div>
        <div class="model-badges">
          {model.providerType === "sim" && (
            <span
              class="badge tag-sim"
              data-testid="model-simulated"
              title="Provider type sim: no model is called"
            >
              simulated
            </span>
          )}
          <ModelStateBadge state={model.state} />
        </div>
      </div>
      {model.cooldown && <Cooldown cooldown={model.cooldown} skewMs={skewMs} />}
      {model.budgetExhausted && (
        <div class="model-notice model-notice-bad" data-testid="model-budget-exhausted">
          {model.budgetExhausted}
        </div>
      )}
      <div class="meters">
        <Meter
          label="Running"
          used={model.inFlight}
          limit={model.concurrency}
          format={formatCount}
          unlimited="no limit"
          testId="meter-running"
        />
        <Meter
          label="Requests / min"
          used={model.requestsLastMinute}
          limit={model.requestsPerMinute}
          format={formatCount}
          unlimited="no limit"
          testId="meter-requests"
        />
        <Meter
          label="Tokens / min"
          used={model.tokensLastMinute}
          limit={model.tokensPerMinute}
          format={formatCount}
          unlimited="no limit"
          testId="meter-tokens"
        />
        <Meter
          label="Spend today"
          used={model.spend.todayUsd}
          limit={model.spend.dailyBudgetUsd}
          format={formatUsd}
          unlimited="no budget"
          testId="meter-spend-today"
        />
        <Meter
          label="Spend this month"
          used={model.spend.monthUsd}
          limit={model.spend.monthlyBudgetUsd}
          format={formatUsd}
          unlimited="no budget"
          testId="meter-spend-month"
        />
      </div>
      <dl class="model-facts">
        <dt>Last hour</dt>
        <dd data-testid="model-last-hour">
          <LastHour lastHour={model.lastHour} />
        </dd>
        <dt>Price</dt>
        <dd data-testid="model-price">
          {formatUsd(model.price.inputPerMTok)} in · {formatUsd(model.price.outputPerMTok)} out{" "}
          <span class="muted">per million tokens ({model.price.source})</span>
        </dd>
        <dt>Capabilities</dt>
        <dd data-testid="model-capabilities">
          <Capabilities capabilities={model.capabilities} />
        </dd>
        <dt>Takes</dt>
        <dd>
          complexity ≤ {model.maxComplexity} · context {formatCount(model.contextWindow)} tokens
        </dd>
        {model.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>{model.tags.join(", ")}</dd>
          </>
        )}
      </dl>
      <LearnedTable learned={model.learned} />
    </section>
  );
}

/** Ticks every second by itself, so that only the countdown re-renders between fetches. */
function Cooldown({ cooldown, skewMs }: { cooldown: NonNullable<ModelStatus["cooldown"]>; skewMs: number }) {
  const now = useNow(1_000) + skewMs;
  const leftMs = Date.parse(cooldown.until) - now;
  return (
    <div class="model-notice model-notice-held" data-testid="model-cooldown">
      <span class="strong">Cooling down</span>{" "}
      <span data-testid="model-cooldown-left">
        {leftMs > 0 ? `for ${formatCountdown(leftMs)}` : "ending now"}
      </span>{" "}
      <span class="muted">(until {formatTime(cooldown.until)})</span>
      {cooldown.reason && (
        <>
          : <span data-testid="model-cooldown-reason">{cooldown.reason}</span>
        </>
      )}
    </div>
  );
}

function LastHour({ lastHour }: { lastHour: ModelStatus["lastHour"] }) {
  if (lastHour.calls === 0) return <span class="muted">no calls</span>;
  return (
    <>
      {formatCount(lastHour.calls)} {lastHour.calls === 1 ? "call" : "calls"},{" "}
      {formatPercent(lastHour.succeeded / lastHour.calls)} succeeded · p50 {formatMs(lastHour.p50LatencyMs)} ·
      p95 {formatMs(lastHour.p95LatencyMs)}
    </>
  );
}

function Capabilities({ capabilities }: { capabilities: Record<string, number> }) {
  const skills = Object.entries(capabilities).sort(([, a], [, b]) => b - a);
  if (skills.length === 0) return <span class="muted">none declared</span>;
  return (
    <span class="chips">
      {skills.map(([skill, level]) => (
        <span key={skill} class="chip" title={`${skill}: level ${level} of 10`}>
          {skill} <span class="chip-level">{level}</span>
        </span>
      ))}
    </span>
  );
}

function LearnedTable({ learned }: { learned: ModelStatus["learned"] }) {
  return (
    <div class="learned">
      <h4>Learned per kind</h4>
      {learned.length === 0 ? (
        <p class="muted" data-testid="learned-empty">
          Nothing yet: no attempt has finished on this model.
        </p>
      ) : (
        <table data-testid="learned-table">
          <thead>
            <tr>
              <th>Kind</th>
              <th class="num">Attempts</th>
              <th class="num">Success</th>
              <th class="num">Mean duration</th>
            </tr>
          </thead>
          <tbody>
            {learned.map((row) => (
              <tr key={row.kind} data-testid="learned-row" data-kind={row.kind}>
                <td class="mono">{row.kind}</td>
                <td class="num">{formatCount(row.attempts)}</td>
                <td class="num">{row.attempts === 0 ? "—" : formatPercent(row.successRate)}</td>
                <td class="num">{formatMs(row.meanDurationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
