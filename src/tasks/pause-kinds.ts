import type { Queryable } from "../db/database.ts";
import { requireKnownKinds } from "./require-kinds.ts";
import { requireStorableText } from "./storable-text.ts";
import type { TaskKindRegistry } from "./task-kinds.ts";
import { notifyTasksReady } from "./task-notifications.ts";

export interface KindPause {
  kind: string;
  pausedAt: Date;
  reason: string | null;
}

/** Stops claiming tasks of these kinds, on every worker; tasks already running finish. */
export async function pauseKinds(
  db: Queryable,
  kinds: string[],
  reason: string | null = null,
): Promise<void> {
  requireStorableText("The pause", { kinds, reason });
  await db.query(
    `INSERT INTO task_kind_pauses (kind, reason) SELECT unnest($1::text[]), $2
     ON CONFLICT (kind) DO UPDATE SET reason = EXCLUDED.reason`,
    [kinds, reason],
  );
}

export async function resumeKinds(db: Queryable, kinds: string[]): Promise<void> {
  const { rowCount } = await db.query("DELETE FROM task_kind_pauses WHERE kind = ANY($1::text[])", [kinds]);
  if (rowCount > 0) await notifyTasksReady(db);
}

export async function listPausedKinds(db: Queryable): Promise<KindPause[]> {
  const { rows } = await db.query<{ kind: string; paused_at: Date; reason: string | null }>(
    "SELECT kind, paused_at, reason FROM task_kind_pauses ORDER BY kind",
  );
  return rows.map((r) => ({ kind: r.kind, pausedAt: r.paused_at, reason: r.reason }));
}

/** A kind as the shells show it: its default stage and whether it is paused. */
export interface KindState {
  name: string;
  description: string;
  stage: string;
  /** False for a kind only another Steward knows, listed because it is paused. */
  known: boolean;
  paused: boolean;
  pausedAt: Date | null;
  pauseReason: string | null;
}

/** Every kind this process knows, and any kind paused by a process that knows more (`known: false`). */
export async function describeKinds(deps: { db: Queryable; kinds: TaskKindRegistry }): Promise<KindState[]> {
  const pauses = await listPausedKinds(deps.db);
  const paused = new Map(pauses.map((p) => [p.kind, p]));
  const known = deps.kinds.all().map((k) => ({
    name: k.name,
    description: k.description,
    stage: k.defaults?.stage ?? k.name,
    known: true,
    paused: paused.has(k.name),
    pausedAt: paused.get(k.name)?.pausedAt ?? null,
    pauseReason: paused.get(k.name)?.reason ?? null,
  }));
  const others = pauses
    .filter((p) => deps.kinds.get(p.kind) === undefined)
    .map((p) => ({
      name: p.kind,
      description: "(not known to this Steward)",
      stage: "",
      known: false,
      paused: true,
      pausedAt: p.pausedAt,
      pauseReason: p.reason,
    }));
  return [...known, ...others];
}

/** Pauses kinds this process knows; an unknown name refuses the whole request. */
export async function pauseKnownKinds(
  deps: { db: Queryable; kinds: TaskKindRegistry },
  kinds: string[],
  reason: string | null = null,
): Promise<{ paused: string[] }> {
  requireKnownKinds(deps.kinds, kinds);
  await pauseKinds(deps.db, kinds, reason);
  return { paused: kinds };
}

/**
 * Resumes kinds. A kind paused by a Steward that knows more kinds can be resumed from this one
 * too; a name that is neither paused nor known is refused.
 */
export async function resumeKnownKinds(
  deps: { db: Queryable; kinds: TaskKindRegistry },
  kinds: string[],
): Promise<{ resumed: string[]; notPaused: string[] }> {
  const paused = new Set((await listPausedKinds(deps.db)).map((p) => p.kind));
  requireKnownKinds(
    deps.kinds,
    kinds.filter((k) => !paused.has(k)),
  );
  await resumeKinds(deps.db, kinds);
  return { resumed: kinds.filter((k) => paused.has(k)), notPaused: kinds.filter((k) => !paused.has(k)) };
}
