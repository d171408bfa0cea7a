import type { Queryable } from "../db/database.ts";
import type { TargetMeasure, TargetWindow } from "./telemetry-config.ts";

/** A measure found beyond its target, as an evaluation records it (targets.ts). */
export interface BreachObservation {
  stage: string | null;
  kind: string | null;
  window: TargetWindow;
  measure: TargetMeasure;
  observed: number;
  target: number;
  from: Date;
  to: Date;
  attempts: number;
  sentence: string;
}

/** A measure found within its target again: closes the open breach of its target and measure. */
export interface MetObservation {
  stage: string | null;
  kind: string | null;
  window: TargetWindow;
  measure: TargetMeasure;
  observed: number;
}

/** One row of target_breaches (migration 0011). */
export interface Breach {
  id: number;
  stage: string | null;
  kind: string | null;
  window: TargetWindow;
  measure: TargetMeasure;
  /** The latest value found, the target it was held against, and the worst value while it lasted. */
  observed: number;
  target: number;
  worst: number;
  /** The window of the latest evaluation that found it. */
  windowFrom: Date;
  windowTo: Date;
  attempts: number;
  sentence: string;
  /** Evaluations that found it breached. */
  evaluations: number;
  openedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  resolvedObserved: number | null;
  /** How long it lasted: to its resolution, or, while open, to the last evaluation that found it. */
  lastedMs: number;
}

const scope = (o: { stage: string | null; kind: string | null; window: string; measure: string }) => ({
  stage: o.stage ?? "",
  kind: o.kind ?? "",
  target_window: o.window,
  measure: o.measure,
});

/**
 * Opens a breach for each observation, or updates the one open for its target and measure (the
 * unique index of open breaches), and resolves the open breaches of measures met again.
 * Two statements whatever the number of targets.
 */
export async function recordTargetObservations(
  db: Queryable,
  breached: BreachObservation[],
  met: MetObservation[],
  at: Date,
): Promise<{ opened: Breach[]; updated: number; resolved: Breach[] }> {
  const opened: Breach[] = [];
  let updated = 0;
  if (breached.length > 0) {
    const rows = breached.map((b) => ({
      ...scope(b),
      observed: b.observed,
      target: b.target,
      window_from: b.from.toISOString(),
      window_to: b.to.toISOString(),
      attempts: b.attempts,
      sentence: b.sentence,
    }));
    const { rows: written } = await db.query<BreachRow & { inserted: boolean }>(
      `INSERT INTO target_breaches AS b (stage, kind, target_window, measure, observed, target, worst,
              window_from, window_to, attempts, sentence, opened_at, last_seen_at)
       SELECT x.stage, x.kind, x.target_window, x.measure, x.observed, x.target, x.observed,
              x.window_from, x.window_to, x.attempts, x.sentence, $2, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(stage text, kind text, target_window text, measure text,
              observed float8, target float8, window_from timestamptz, window_to timestamptz,
              attempts bigint, sentence text)
       ON CONFLICT (stage, kind, target_window, measure) WHERE resolved_at IS NULL DO UPDATE SET
         observed = excluded.observed, target = excluded.target,
         worst = CASE WHEN b.measure = 'successRate' THEN least(b.worst, excluded.observed)
                      ELSE greatest(b.worst, excluded.observed) END,
         window_from = excluded.window_from, window_to = excluded.window_to,
         attempts = excluded.attempts, sentence = excluded.sentence,
         evaluations = b.evaluations + 1, last_seen_at = greatest(b.last_seen_at, excluded.last_seen_at)
       RETURNING b.*, (b.xmax = 0) AS inserted`,
      [JSON.stringify(rows), at],
    );
    for (const row of written) {
      if (row.inserted) opened.push(toBreach(row));
      else updated++;
    }
  }
  let resolved: Breach[] = [];
  if (met.length > 0) {
    const rows = met.map((m) => ({ ...scope(m), observed: m.observed }));
    const answer = await db.query<BreachRow>(
      `UPDATE target_breaches AS b
          SET resolved_at = greatest(b.opened_at, $2), resolved_observed = x.observed
         FROM jsonb_to_recordset($1::jsonb) AS x(stage text, kind text, target_window text, measure text, observed float8)
        WHERE b.resolved_at IS NULL AND b.stage = x.stage AND b.kind = x.kind
          AND b.target_window = x.target_window AND b.measure = x.measure
       RETURNING b.*`,
      [JSON.stringify(rows), at],
    );
    resolved = answer.rows.map(toBreach);
  }
  return { opened, updated, resolved };
}

export interface BreachQuery {
  /** Only open breaches (true) or only resolved ones (false); both when absent. */
  open?: boolean;
  /** Only breaches that lasted into this time: still open, or last seen or resolved at or after it. */
  since?: Date;
  /** Newest first, at most this many (default 100). */
  limit?: number;
}

/** The recorded breaches, newest first: what `steward targets`, the API and the FSAR reports read. */
export async function listBreaches(db: Queryable, query: BreachQuery = {}): Promise<Breach[]> {
  const { rows } = await db.query<BreachRow>(
    `SELECT * FROM target_breaches
      WHERE ($1::boolean IS NULL OR (resolved_at IS NULL) = $1)
        AND ($2::timestamptz IS NULL OR resolved_at IS NULL OR resolved_at >= $2 OR last_seen_at >= $2)
      ORDER BY opened_at DESC, id DESC
      LIMIT $3`,
    [query.open ?? null, query.since ?? null, query.limit ?? 100],
  );
  return rows.map(toBreach);
}

interface BreachRow {
  id: number;
  stage: string;
  kind: string;
  target_window: TargetWindow;
  measure: TargetMeasure;
  observed: number;
  target: number;
  worst: number;
  window_from: Date;
  window_to: Date;
  attempts: number;
  sentence: string;
  evaluations: number;
  opened_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  resolved_observed: number | null;
}

function toBreach(row: BreachRow): Breach {
  return {
    id: row.id,
    stage: row.stage === "" ? null : row.stage,
    kind: row.kind === "" ? null : row.kind,
    window: row.target_window,
    measure: row.measure,
    observed: row.observed,
    target: row.target,
    worst: row.worst,
    windowFrom: row.window_from,
    windowTo: row.window_to,
    attempts: Number(row.attempts),
    sentence: row.sentence,
    evaluations: row.evaluations,
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
    resolvedAt: row.resolved_at,
    resolvedObserved: row.resolved_observed,
    lastedMs: (row.resolved_at ?? row.last_seen_at).getTime() - row.opened_at.getTime(),
  };
}

/** A target's place: what identifies its open breach (the unique index of open breaches). */
export type TargetKey = Pick<BreachObservation, "stage" | "kind" | "window" | "measure">;

/**
 * Resolves the open breaches of targets no longer configured (their measure is no longer
 * watched, so nothing would ever resolve them), leaving resolvedObserved null: not met, retired.
 */
export async function retireBreaches(db: Queryable, configured: TargetKey[], at: Date): Promise<Breach[]> {
  const { rows } = await db.query<BreachRow>(
    `UPDATE target_breaches AS b SET resolved_at = greatest(b.opened_at, $2)
      WHERE b.resolved_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS x(stage text, kind text, target_window text, measure text)
                         WHERE b.stage = x.stage AND b.kind = x.kind AND b.target_window = x.target_window AND b.measure = x.measure)
      RETURNING b.*`,
    [JSON.stringify(configured.map(scope)), at],
  );
  return rows.map(toBreach);
}
