import { formatCount, formatTime } from "../format.ts";
import type { Overview } from "../overview-api.ts";
import { hrefFor } from "../use-hash-route.ts";
import { WaitingBreakdown } from "./waiting-breakdown.tsx";

/**
 * The landing page's live part: how much runs and waits (and why), what failed lately, which
 * models are at work or held back; each with a link to the page that has the detail.
 */
export function LiveOverview({ overview }: { overview: Overview }) {
  const { tasks, failures, waiting, models } = overview;
  return (
    <>
      {overview.problems.length > 0 && (
        <div class="banner banner-error" role="alert" data-testid="overview-problems">
          {overview.problems.map((problem) => (
            <div key={problem}>{problem}.</div>
          ))}
        </div>
      )}
      <div class="overview-counters" data-testid="overview-counters">
        <CounterLink label="Running" value={tasks?.running} href={hrefFor.tasks} testId="overview-running" />
        <CounterLink label="Queued" value={tasks?.queued} href={hrefFor.tasks} testId="overview-queued" />
        <CounterLink label="Blocked" value={tasks?.blocked} href={hrefFor.tasks} testId="overview-blocked" />
        <CounterLink
          label="Failed lately"
          note={failures ? `among the newest ${formatCount(failures.window)} tasks` : undefined}
          value={failures?.count}
          href={hrefFor.tasks}
          testId="overview-failed"
          bad={(failures?.count ?? 0) > 0}
        />
      </div>
      {tasks && tasks.paused.length > 0 && (
        <div class="banner banner-warning" data-testid="overview-paused">
          Paused, so no worker claims them:{" "}
          {tasks.paused.map((p, i) => (
            <span key={p.kind}>
              {i > 0 && "; "}
              <span class="mono">{p.kind}</span>
              {p.reason ? ` (${p.reason})` : ""}
            </span>
          ))}
          . <a href={hrefFor.tasks}>Resume on the Tasks page</a>
        </div>
      )}
      <div class="cards cards-overview">
        <section class="card" data-testid="overview-waiting">
          <h2>Why tasks wait</h2>
          {waiting ? <WaitingBreakdown waiting={waiting} /> : <Unknown />}
        </section>
        <ModelsCard models={models} />
      </div>
      <FailuresCard failures={failures} />
    </>
  );
}

/** A part the server could not read: the banner above says why. */
function Unknown() {
  return <p class="muted">Not known now.</p>;
}

function CounterLink(props: {
  label: string;
  note?: string;
  value: number | undefined;
  href: string;
  testId: string;
  bad?: boolean;
}) {
  return (
    <a class={`card counter-link${props.bad ? " counter-bad" : ""}`} href={props.href}>
      <span class="counter-value" data-testid={props.testId}>
        {props.value === undefined ? "—" : formatCount(props.value)}
      </span>
      <span class="muted">{props.label}</span>
      {props.note && <span class="muted counter-note">{props.note}</span>}
    </a>
  );
}

function ModelsCard({ models }: { models: Overview["models"] }) {
  return (
    <section class="card" data-testid="overview-models">
      <h2>Models</h2>
      {models === null ? (
        <Unknown />
      ) : models.configured === 0 ? (
        <p class="muted" data-testid="overview-no-models">
          None configured: tasks of kinds that run on a model wait. See the README, “Models”.
        </p>
      ) : (
        <>
          <p>
            <span class="strong" data-testid="overview-models-available">
              {models.available}
            </span>{" "}
            of <span data-testid="overview-models-configured">{models.configured}</span> available now
          </p>
          {models.inUse.length === 0 ? (
            <p class="muted">None has a request in flight.</p>
          ) : (
            <ul class="plain-list overview-models">
              {models.inUse.map((m) => (
                <li key={m.id} data-testid="model-in-use" data-model-id={m.id}>
                  <span class="mono">{m.id}</span>
                  {m.providerType === "sim" && <span class="badge tag-sim">simulated</span>}
                  <span class="muted">
                    {" "}
                    {m.inFlight} of {m.concurrency} in flight
                  </span>
                </li>
              ))}
            </ul>
          )}
          {models.held.length > 0 && (
            <ul class="plain-list overview-models">
              {models.held.map((m) => (
                <li key={m.id} data-testid="model-held" data-model-id={m.id}>
                  <span class="mono">{m.id}</span> <span class="badge model-state-held">{m.state}</span>
                  {m.budgetExhausted && <span class="muted"> {m.budgetExhausted}</span>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <a href={hrefFor.models} class="more-link">
        All models →
      </a>
    </section>
  );
}

function FailuresCard({ failures }: { failures: Overview["failures"] }) {
  return (
    <section class="card overview-failures" data-testid="overview-failures">
      <h2>Recent failures</h2>
      {failures === null ? (
        <Unknown />
      ) : failures.newest.length === 0 ? (
        <p class="muted">None among the newest {formatCount(failures.window)} tasks.</p>
      ) : (
        <table>
          <tbody>
            {failures.newest.map((f) => (
              <tr key={f.id} data-testid="failure-row" data-task-id={f.id}>
                <td class="mono">
                  <a href={hrefFor.task(f.id)}>#{f.id}</a>
                </td>
                <td class="mono">{f.kind}</td>
                <td class="error-cell">{f.error ? `${f.error.class}: ${clip(f.error.message, 200)}` : ""}</td>
                <td class="muted">
                  {f.attempts} {f.attempts === 1 ? "attempt" : "attempts"} · {formatTime(f.finishedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
