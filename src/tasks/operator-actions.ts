import type { Queryable } from "../db/database.ts";
import { requireStorableText } from "./storable-text.ts";

/**
 * Who acted: the OS user for the CLI, the client for the API (until tokens exist), `steward`
 * for what Steward does by itself (a report closing the gate).
 */
export interface Actor {
  name: string;
  via: "cli" | "http" | "steward";
}

/** Steward acting by itself. */
export const stewardActor: Actor = { name: "steward", via: "steward" };

export interface OperatorAction {
  id: number;
  at: Date;
  actor: string;
  via: Actor["via"];
  /** "gate.close", "gate.open", "gate.override", "fsar.ack", "fsar.resolve", "fsar.import", "fsar.plan". */
  action: string;
  reason: string | null;
  reportId: string | null;
  kinds: string[];
  details: Record<string, unknown>;
}

export interface ActionRecord {
  actor: Actor;
  action: string;
  reason?: string | null;
  reportId?: string | null;
  kinds?: string[];
  details?: Record<string, unknown>;
}

/** Writes one entry of the operator-action log, in the caller's transaction. */
export async function recordOperatorAction(tx: Queryable, record: ActionRecord): Promise<void> {
  requireStorableText("The action", { actor: record.actor.name, reason: record.reason ?? null });
  await tx.query(
    `INSERT INTO operator_actions (actor, via, action, reason, report_id, kinds, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      record.actor.name,
      record.actor.via,
      record.action,
      record.reason ?? null,
      record.reportId ?? null,
      record.kinds ?? [],
      JSON.stringify(record.details ?? {}),
    ],
  );
}

/** The log, newest first. */
export async function listOperatorActions(
  db: Queryable,
  options: { limit?: number; actions?: string[] } = {},
): Promise<OperatorAction[]> {
  const { rows } = await db.query<{
    id: number;
    at: Date;
    actor: string;
    via: Actor["via"];
    action: string;
    reason: string | null;
    report_id: string | null;
    kinds: string[];
    details: Record<string, unknown>;
  }>(
    `SELECT id, at, actor, via, action, reason, report_id, kinds, details FROM operator_actions
      WHERE $2::text[] IS NULL OR action = ANY ($2::text[])
      ORDER BY id DESC LIMIT $1`,
    [options.limit ?? 100, options.actions ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    via: r.via,
    action: r.action,
    reason: r.reason,
    reportId: r.report_id,
    kinds: r.kinds,
    details: r.details,
  }));
}
