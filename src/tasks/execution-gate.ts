import type { Queryable, Session } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { type Actor, recordOperatorAction } from "./operator-actions.ts";
import { requireKnownKinds } from "./require-kinds.ts";
import { requireStorableText } from "./storable-text.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";
import { notifyTasksReady } from "./task-notifications.ts";

/**
 * The execution gate (migration 0017): while closed for a scope (a kind, or `*` for every kind),
 * no worker of any process claims its tasks: steward_claim_tasks() reads execution_gates in the
 * statement that leases them. Running tasks finish. Each closure belongs to a cause: the reports
 * of one source (`fsar:steward`, `fsar:import:<name>`) or an operator (`operator`). A scope is
 * open when no cause holds it.
 */
export const allKinds = "*";

export interface GateClosure {
  /** A kind, or `*`: every kind. */
  scope: string;
  cause: string;
  closedAt: Date;
  reason: string;
  reportId: string | null;
  findingKeys: string[];
  closedBy: string;
}

export interface GateOverride {
  source: string;
  findingKey: string;
  overriddenAt: Date;
  reason: string;
  actor: string;
  reportId: string | null;
}

export interface GateState {
  /** Open for every kind: nothing closes anything. */
  open: boolean;
  /** Closed for every kind. */
  closedForAll: boolean;
  /** Kinds closed by name (beside `*`). */
  closedKinds: string[];
  closures: GateClosure[];
  /** Blocking findings an operator let through, until they are no longer found. */
  overrides: GateOverride[];
}

export async function gateState(db: Queryable): Promise<GateState> {
  const { rows } = await db.query<{
    scope: string;
    cause: string;
    closed_at: Date;
    reason: string;
    report_id: string | null;
    finding_keys: string[];
    closed_by: string;
  }>(
    `SELECT scope, cause, closed_at, reason, report_id, finding_keys, closed_by
       FROM execution_gates ORDER BY closed_at, scope, cause`,
  );
  const { rows: overrides } = await db.query<{
    source: string;
    finding_key: string;
    overridden_at: Date;
    reason: string;
    actor: string;
    report_id: string | null;
  }>(
    `SELECT source, finding_key, overridden_at, reason, actor, report_id
       FROM gate_overrides ORDER BY overridden_at, finding_key`,
  );
  const closures = rows.map((r) => ({
    scope: r.scope,
    cause: r.cause,
    closedAt: r.closed_at,
    reason: r.reason,
    reportId: r.report_id,
    findingKeys: r.finding_keys,
    closedBy: r.closed_by,
  }));
  return {
    open: closures.length === 0,
    closedForAll: closures.some((c) => c.scope === allKinds),
    closedKinds: [...new Set(closures.filter((c) => c.scope !== allKinds).map((c) => c.scope))].sort(),
    closures,
    overrides: overrides.map((o) => ({
      source: o.source,
      findingKey: o.finding_key,
      overriddenAt: o.overridden_at,
      reason: o.reason,
      actor: o.actor,
      reportId: o.report_id,
    })),
  };
}

export interface CloseGate {
  cause: string;
  /** The kinds to close; empty closes every kind. */
  kinds: string[];
  reason: string;
  reportId?: string | null;
  findingKeys?: string[];
  actor: Actor;
}

/** What a change of the gate did: the scopes it closed or opened now (empty: nothing changed). */
export interface GateChange {
  closed: string[];
  opened: string[];
  state: GateState;
}

/**
 * Sets what one cause holds closed to exactly these scopes, in the caller's transaction: scopes
 * the cause no longer names are let go. Logged when anything changed.
 */
export async function holdGate(tx: Queryable, close: CloseGate): Promise<GateChange> {
  requireStorableText("The gate", { reason: close.reason, kinds: close.kinds, cause: close.cause });
  if (close.reason.trim() === "")
    throw new StewardError("validation_failed", "Closing the gate needs a reason: say why (--reason).", {
      details: { field: "reason", expected: "a non-empty reason" },
    });
  const scopes = close.kinds.length === 0 ? [allKinds] : [...new Set(close.kinds)].sort();
  const before = await scopesOf(tx, close.cause);
  await tx.query("DELETE FROM execution_gates WHERE cause = $1 AND scope <> ALL ($2::text[])", [
    close.cause,
    scopes,
  ]);
  await tx.query(
    `INSERT INTO execution_gates (scope, cause, reason, report_id, finding_keys, closed_by)
     SELECT unnest($1::text[]), $2, $3, $4, $5, $6
     ON CONFLICT (scope, cause) DO UPDATE
       SET reason = EXCLUDED.reason, report_id = EXCLUDED.report_id, finding_keys = EXCLUDED.finding_keys`,
    [scopes, close.cause, close.reason, close.reportId ?? null, close.findingKeys ?? [], close.actor.name],
  );
  const closed = scopes.filter((s) => !before.includes(s));
  const opened = before.filter((s) => !scopes.includes(s));
  if (closed.length > 0 || opened.length > 0) {
    await recordOperatorAction(tx, {
      actor: close.actor,
      action: "gate.close",
      reason: close.reason,
      reportId: close.reportId ?? null,
      kinds: scopes,
      details: { cause: close.cause, closed, opened, findingKeys: close.findingKeys ?? [] },
    });
    if (opened.length > 0) await notifyTasksReady(tx);
  }
  return { closed, opened, state: await gateState(tx) };
}

/** Lets go of everything one cause holds (a report that no longer finds its blocking findings). */
export async function releaseGate(
  tx: Queryable,
  release: { cause: string; reason: string; reportId?: string | null; actor: Actor },
): Promise<GateChange> {
  const { rows } = await tx.query<{ scope: string }>(
    "DELETE FROM execution_gates WHERE cause = $1 RETURNING scope",
    [release.cause],
  );
  const opened = rows.map((r) => r.scope).sort();
  if (opened.length > 0) {
    await recordOperatorAction(tx, {
      actor: release.actor,
      action: "gate.open",
      reason: release.reason,
      reportId: release.reportId ?? null,
      kinds: opened,
      details: { cause: release.cause },
    });
    await notifyTasksReady(tx);
  }
  return { closed: [], opened, state: await gateState(tx) };
}

/**
 * An operator opens the gate (for some kinds, or all of it) with a reason: every closure of those
 * scopes is let go, whatever its cause, and the blocking findings behind them are overridden, so
 * that the next report of their source does not close the gate again for them. The override ends
 * when the finding is no longer found (or the operator closes the gate again).
 */
export async function overrideGate(
  db: Session,
  open: { kinds: string[]; reason: string; actor: Actor },
): Promise<GateChange> {
  requireStorableText("The gate", { reason: open.reason, kinds: open.kinds });
  if (open.reason.trim() === "")
    throw new StewardError(
      "validation_failed",
      "Opening the gate by hand needs a reason: say why it is safe to run (--reason).",
      { details: { field: "reason", expected: "a non-empty reason" } },
    );
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      scope: string;
      cause: string;
      report_id: string | null;
      finding_keys: string[];
    }>(
      `DELETE FROM execution_gates WHERE cardinality($1::text[]) = 0 OR scope = ANY ($1::text[])
       RETURNING scope, cause, report_id, finding_keys`,
      [open.kinds],
    );
    for (const row of rows) {
      if (!row.cause.startsWith("fsar:")) continue;
      await tx.query(
        `INSERT INTO gate_overrides (source, finding_key, reason, actor, report_id)
         SELECT $1, unnest($2::text[]), $3, $4, $5
         ON CONFLICT (source, finding_key) DO UPDATE SET reason = EXCLUDED.reason, actor = EXCLUDED.actor,
           overridden_at = now(), report_id = EXCLUDED.report_id`,
        [row.cause.slice("fsar:".length), row.finding_keys, open.reason, open.actor.name, row.report_id],
      );
    }
    const opened = [...new Set(rows.map((r) => r.scope))].sort();
    await recordOperatorAction(tx, {
      actor: open.actor,
      action: "gate.override",
      reason: open.reason,
      kinds: opened,
      details: {
        asked: open.kinds.length === 0 ? [allKinds] : open.kinds,
        released: rows.map((r) => ({
          scope: r.scope,
          cause: r.cause,
          reportId: r.report_id,
          findingKeys: r.finding_keys,
        })),
      },
    });
    if (opened.length > 0) await notifyTasksReady(tx);
    return { closed: [], opened, state: await gateState(tx) };
  });
}

/**
 * An operator closes the gate by hand: it stays closed until an operator opens it. The kinds
 * must exist: closing the gate for a misspelt kind would stop nothing.
 */
export async function closeGateByHand(
  deps: { db: Session; kinds: TaskKindRegistry },
  close: { kinds: string[]; reason: string; actor: Actor },
): Promise<GateChange> {
  requireKnownKinds(deps.kinds, close.kinds);
  return deps.db.transaction(async (tx) => {
    const held = await scopesOf(tx, "operator");
    const kinds = close.kinds.length === 0 ? [allKinds] : close.kinds;
    // By hand, closures add up: closing kind b after kind a keeps a closed.
    const scopes =
      held.includes(allKinds) || kinds.includes(allKinds) ? [] : [...new Set([...held, ...kinds])];
    return holdGate(tx, { cause: "operator", kinds: scopes, reason: close.reason, actor: close.actor });
  });
}

/** Blocking findings of a source an operator let through. */
export async function overriddenKeys(db: Queryable, source: string): Promise<Set<string>> {
  const { rows } = await db.query<{ finding_key: string }>(
    "SELECT finding_key FROM gate_overrides WHERE source = $1",
    [source],
  );
  return new Set(rows.map((r) => r.finding_key));
}

/** Ends the overrides of findings no longer found. */
export async function endOverrides(tx: Queryable, source: string, stillFound: string[]): Promise<void> {
  await tx.query("DELETE FROM gate_overrides WHERE source = $1 AND finding_key <> ALL ($2::text[])", [
    source,
    stillFound,
  ]);
}

async function scopesOf(tx: Queryable, cause: string): Promise<string[]> {
  const { rows } = await tx.query<{ scope: string }>(
    "SELECT scope FROM execution_gates WHERE cause = $1 ORDER BY scope",
    [cause],
  );
  return rows.map((r) => r.scope);
}
