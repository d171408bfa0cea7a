import { MoneyChart } from "../components/money-chart.tsx";
import { FunnelCard, PaymentsCard, UnattributedCard } from "../components/money-metrics.tsx";
import { MrrCard } from "../components/mrr-card.tsx";
import { RoiTable } from "../components/roi-table.tsx";
import {
  fetchMoneySeries,
  fetchRoiByIdea,
  fetchRoiByStream,
  type LedgerMode,
  roiWindow,
  seriesWindow,
} from "../money-api.ts";
import { usePolled } from "../use-polled.ts";
import "../money.css";

const refreshMs = 5_000;

const modeNames: Record<LedgerMode, { badge: string; text: string }> = {
  live: { badge: "live", text: "live money only" },
  test: { badge: "test", text: "test-mode money only" },
  all: { badge: "live + test", text: "live and test-mode money together (stripe.testEvents: counted)" },
};

/**
 * Money at a glance: revenue against expenses and AI spend over time, ROI by idea and by stream,
 * the checkout funnel, payment failures, MRR's movements and the revenue no idea claims. Polled
 * every 5 s, so that a Stripe event or an expense shows within a refresh. The server's default
 * mode is read (no `mode` asked) and said at the top.
 */
export function MoneyPage() {
  const series = usePolled(fetchMoneySeries, refreshMs, "the money series");
  const byIdea = usePolled(fetchRoiByIdea, refreshMs, "ROI by idea");
  const byStream = usePolled(fetchRoiByStream, refreshMs, "ROI by stream");

  const error = series.error ?? byIdea.error ?? byStream.error;
  const metrics = byIdea.data?.metrics ?? null;
  const mode = byIdea.data?.roi.mode ?? series.data?.mode ?? null;

  return (
    <div class="page money-page">
      <div class="page-title">
        <h1>
          Money{" "}
          {mode !== null && (
            <span
              class={mode === "live" ? "badge badge-clean money-mode" : "badge badge-pending money-mode"}
              data-testid="money-mode"
              data-mode={mode}
              title={modeNames[mode].text}
            >
              {modeNames[mode].badge}
            </span>
          )}
        </h1>
        <span class="muted" data-testid="money-refresh">
          {mode !== null && `${modeNames[mode].text} · `}chart: last {seriesWindow}, the rest: last{" "}
          {roiWindow} · refreshes every {refreshMs / 1000} s
        </span>
      </div>
      {error && (
        <div class="banner banner-error" role="alert" data-testid="money-error">
          {error}
          {series.data || byIdea.data ? " Showing the last known state." : ""}
        </div>
      )}
      <MoneyChart series={series.data} />
      {/* A table the width of the page: six columns side by side with another would crowd. */}
      <RoiTable title="ROI by idea" report={byIdea.data} testId="roi-by-idea" />
      <RoiTable title="ROI by stream" report={byStream.data} testId="roi-by-stream" />
      {metrics === null ? (
        !error && <p class="muted">Loading the metrics…</p>
      ) : (
        <div class="money-grid">
          <FunnelCard funnel={metrics.funnel} />
          <PaymentsCard payments={metrics.payments} />
          <MrrCard mrr={metrics.mrr} />
          <UnattributedCard totals={metrics.totals} />
        </div>
      )}
    </div>
  );
}
