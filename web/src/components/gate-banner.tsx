import { useEffect, useState } from "preact/hooks";
import { formatTime } from "../format.ts";
import {
  closeGate,
  fetchKinds,
  type GateClosure,
  type GateOverride,
  type GateState,
  openGate,
} from "../fsar-api.ts";
import { ageText, causeText, kindsText, scopeText } from "../fsar-format.ts";
import { hrefFor } from "../use-hash-route.ts";
import { Prose } from "./prose.tsx";

/** What the gate is closed for, in words: "every kind", or the kinds by name. */
export function closedForText(gate: GateState): string {
  if (gate.closedForAll)
    return gate.closedKinds.length > 0
      ? `every kind (and by name: ${gate.closedKinds.join(", ")})`
      : "every kind";
  return gate.closedKinds.join(", ");
}

/**
 * The execution gate, first and big: open (green) or closed (red), for what, why and since when,
 * by whom, the overrides in force, and the buttons to open or close it by hand, each asking for
 * the reason the server requires.
 */
export function GateBanner({ gate, onChanged }: { gate: GateState; onChanged: () => void }) {
  const [form, setForm] = useState<"open" | "close" | null>(null);
  return (
    <section
      class={`card gate-card ${gate.open ? "gate-open" : "gate-closed"}`}
      data-testid="gate-banner"
      data-state={gate.open ? "open" : "closed"}
      aria-live="polite"
    >
      <div class="gate-head">
        <div class="gate-what">
          <h2 class="gate-label">Execution gate</h2>
          <p class="gate-state" data-testid="gate-state">
            {gate.open ? "OPEN" : "CLOSED"}
            {!gate.open && <span class="gate-scope"> for {closedForText(gate)}</span>}
          </p>
          <p class="gate-explain">
            {gate.open
              ? "Workers claim tasks of every kind. A report with a blocking finding closes it."
              : "No worker claims tasks of these kinds; tasks already running finish. Waiting tasks show as gated."}
          </p>
        </div>
        <div class="gate-buttons">
          {!gate.open && (
            <button
              type="button"
              class="button gate-button"
              onClick={() => setForm(form === "open" ? null : "open")}
              aria-expanded={form === "open"}
              data-testid="gate-open-button"
            >
              Open the gate…
            </button>
          )}
          <button
            type="button"
            class="button gate-button"
            onClick={() => setForm(form === "close" ? null : "close")}
            aria-expanded={form === "close"}
            data-testid="gate-close-button"
          >
            Close the gate…
          </button>
        </div>
      </div>
      {gate.closures.length > 0 && <Closures closures={gate.closures} />}
      {!gate.open && (
        <p class="gate-how muted">
          It opens again by itself when a later report of the same source no longer finds the blocking
          findings, or by hand (Open the gate…), which lets the findings through until they are gone.
        </p>
      )}
      {gate.overrides.length > 0 && <Overrides overrides={gate.overrides} />}
      {form !== null && (
        <GateForm
          key={form}
          action={form}
          gate={gate}
          onDone={() => {
            setForm(null);
            onChanged();
          }}
          onCancel={() => setForm(null)}
        />
      )}
    </section>
  );
}

function Closures({ closures }: { closures: GateClosure[] }) {
  return (
    <ul class="plain-list gate-closures" data-testid="gate-closures">
      {closures.map((c) => (
        <li
          key={`${c.scope}\u0001${c.cause}`}
          class="gate-closure"
          data-testid="gate-closure"
          data-scope={c.scope}
        >
          <p class="gate-reason" data-testid="gate-reason">
            <Prose text={reasonOf(c)} />
          </p>
          <p class="gate-facts">
            Closed for <strong>{scopeText(c.scope)}</strong> by {causeText(c.cause)}
            {c.closedBy !== "steward" && <> ({c.closedBy})</>} · since {formatTime(c.closedAt)} (
            {ageText(c.closedAt)})
            {c.reportId && (
              <>
                {" "}
                · report{" "}
                <a href={hrefFor.report(c.reportId)} class="mono" data-testid="gate-report-link">
                  {c.reportId}
                </a>
              </>
            )}
          </p>
        </li>
      ))}
    </ul>
  );
}

/** A report's closure says `report <id>: <the findings>`; the id is shown beside it, as a link. */
function reasonOf(closure: GateClosure): string {
  const prefix = `report ${closure.reportId}: `;
  return closure.reportId !== null && closure.reason.startsWith(prefix)
    ? closure.reason.slice(prefix.length)
    : closure.reason;
}

function Overrides({ overrides }: { overrides: GateOverride[] }) {
  return (
    <div class="gate-overrides" data-testid="gate-overrides">
      <h3 class="gate-subhead">Let through by an operator ({overrides.length})</h3>
      <p class="muted gate-how">
        Blocking findings an operator let through: reports still list them, but they close nothing until they
        are no longer found.
      </p>
      <ul class="plain-list">
        {overrides.map((o) => (
          <li key={`${o.source}\u0001${o.findingKey}`} class="gate-override" data-testid="gate-override">
            <span class="mono">{o.findingKey}</span>
            <span class="muted">
              {" "}
              — “{o.reason}”, by {o.actor}, {formatTime(o.overriddenAt)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Opening or closing by hand: a reason (the server refuses without one, and its refusal is shown
 * as it says it) and, optionally, the kinds; none ticked means every kind.
 */
function GateForm({
  action,
  gate,
  onDone,
  onCancel,
}: {
  action: "open" | "close";
  gate: GateState;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const [kinds, setKinds] = useState<string[]>([]);
  const [knownKinds, setKnownKinds] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Opening: the kinds closed by name. Closing: the kinds this Steward knows.
  const known = action === "open" ? gate.closedKinds : knownKinds;

  useEffect(() => {
    if (action === "open") return;
    const controller = new AbortController();
    fetchKinds(controller.signal)
      .then((all) => setKnownKinds(all.filter((k) => k.known).map((k) => k.name)))
      .catch(() => setKnownKinds([]));
    return () => controller.abort();
  }, [action]);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await (action === "open" ? openGate : closeGate)(reason, kinds);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const toggle = (kind: string, on: boolean) =>
    setKinds(on ? [...kinds, kind] : kinds.filter((k) => k !== kind));

  return (
    <form
      class="gate-form"
      data-testid="gate-form"
      data-action={action}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 class="gate-subhead">{action === "open" ? "Open the gate by hand" : "Close the gate by hand"}</h3>
      <p class="muted gate-how">
        {action === "open"
          ? "Every closure of the kinds chosen is let go, whoever made it, and the blocking findings behind them are let through until they are no longer found. Say why running the work is safe."
          : "It stays closed until an operator opens it. Say why the work must stop."}
      </p>
      <label class="gate-field">
        <span>Reason (required)</span>
        <textarea
          rows={2}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          placeholder={
            action === "open"
              ? "e.g. the column was restored by hand; checked with steward doctor"
              : "e.g. deploying a migration"
          }
          data-testid="gate-reason-input"
        />
      </label>
      {known.length > 0 && (
        <fieldset class="gate-kinds">
          <legend>Kinds (none ticked: {action === "open" ? "every closure" : "every kind"})</legend>
          {known.map((kind) => (
            <label key={kind} class="gate-kind">
              <input
                type="checkbox"
                checked={kinds.includes(kind)}
                onChange={(e) => toggle(kind, e.currentTarget.checked)}
                data-testid="gate-kind"
                value={kind}
              />
              <span class="mono">{kind}</span>
            </label>
          ))}
        </fieldset>
      )}
      <div class="gate-form-buttons">
        <button type="submit" class="button button-primary" disabled={busy} data-testid="gate-submit">
          {action === "open" ? "Open" : "Close"} the gate for {kindsText(kinds)}
        </button>
        <button type="button" class="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      {error && (
        <p class="error-text gate-error" role="alert" data-testid="gate-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The overview's line when the gate is closed: what for, and where to read why. */
export function GateNotice({ gate }: { gate: GateState | null }) {
  if (gate === null || gate.open) return null;
  return (
    <div class="banner banner-error gate-notice" role="status" data-testid="overview-gate">
      <strong>Execution gate CLOSED</strong> for {closedForText(gate)}: no worker claims those tasks.{" "}
      <a href={hrefFor.reports} data-testid="overview-gate-link">
        See Reports
      </a>{" "}
      for why and how to open it.
    </div>
  );
}
