import { readMeasures } from "../telemetry/task-measures.ts";
import { type Assessor, finding, percent, windowOf } from "./assessor.ts";
import type { Finding } from "./fsar-report.ts";

/** Fingerprints reported at most, and the failures one needs to be reported. */
const topFingerprints = 5;
const minFailures = 5;

interface FingerprintRow {
  fingerprint: string;
  error_class: string;
  message: string;
  now: number;
  before: number;
  kinds: string[];
  models: string[];
}

/**
 * The errors of failed attempts, grouped by fingerprint (the error's class and its message with
 * numbers and quoted values taken out), with their counts in the window and in the window before
 * it (the trend). Failed attempts are read through their partial index (migration 0017); the
 * attempts they are a share of come from the rollups.
 */
export const errorsAssessor: Assessor = {
  name: "errors",
  async assess(deps, window) {
    const span = window.to.getTime() - window.from.getTime();
    const before = new Date(window.from.getTime() - span);
    const { rows } = await deps.db.query<FingerprintRow>(fingerprintSql, [
      before,
      window.from,
      window.to,
      topFingerprints,
      minFailures,
    ]);
    if (rows.length === 0) return [];
    const total = (await readMeasures(deps.db, { window, unknownNames: "measure" })).rows[0]!;
    const attempts = Math.max(total.attempts, 1);
    return rows.map((row): Finding => {
      const share = row.now / attempts;
      const rising = row.now >= 10 && row.now >= 2 * row.before;
      const base = share >= 0.2 ? 6 : share >= 0.05 ? 5 : share >= 0.01 ? 3 : 2;
      const label = row.error_class === "" ? row.message : `${row.error_class}: ${row.message}`;
      return finding("errors.failing_fingerprint", {
        scope: row.fingerprint,
        severity: base + (rising ? 1 : 0),
        kinds: row.kinds,
        summary: `${row.now} failed attempts (${percent(share)} of ${total.attempts}) in the last ${window.label} ended with "${label}"${
          rising
            ? `, up from ${row.before} the ${window.label} before`
            : `; ${row.before} the ${window.label} before`
        }; kinds ${row.kinds.join(", ")}${row.models.length > 0 ? `, models ${row.models.join(", ")}` : ""}.`,
        evidence: {
          numbers: {
            failures: row.now,
            failuresBefore: row.before,
            attempts: total.attempts,
            share: Number(share.toFixed(4)),
            errorClass: row.error_class || null,
            models: row.models.join(","),
          },
          window: windowOf(window),
          source: "task_attempts (failed, timed out or lost, by fingerprint) and task_rollups (all attempts)",
        },
        remedy: [
          {
            text: `Read the failed attempts of this error and mend the handler or the input that causes it.`,
            command: `steward task ls --status failed --kind ${row.kinds[0]}`,
          },
          ...(row.models.length > 0
            ? [
                {
                  text: "See whether one model accounts for the failures.",
                  command: `steward stats --by model --since ${window.label}`,
                },
              ]
            : []),
        ],
        risk: `Each of these failures spends an attempt${rising ? ", and they are rising" : ""}: tasks that run out of attempts fail for good.`,
        mitigation:
          "Give each recurring error a test that reproduces it before changing the handler; watch its count fall in the next report.",
      });
    });
  },
};

// The fingerprint's message is the stored error message with numbers and quoted values replaced,
// cut to 160 characters; its id is the first 12 hex digits of its md5, stable across reports.
const fingerprintSql = `
WITH failed AS (
  SELECT a.finished_at >= $2 AS recent, coalesce(a.error_class, '') AS error_class,
         left(regexp_replace(regexp_replace(coalesce(a.error_message, ''), '''[^'']*''', '?', 'g'),
              '[0-9]+', '?', 'g'), 160) AS message,
         t.kind, a.ai_model
    FROM task_attempts a JOIN execution_tasks t ON t.id = a.task_id
   WHERE a.outcome IN ('failed', 'timed_out', 'lease_lost') AND a.finished_at >= $1 AND a.finished_at < $3
)
SELECT left(md5(error_class || ':' || message), 12) AS fingerprint, error_class, message,
       (count(*) FILTER (WHERE recent))::int AS now, (count(*) FILTER (WHERE NOT recent))::int AS before,
       array_agg(DISTINCT kind ORDER BY kind) FILTER (WHERE recent) AS kinds,
       coalesce(array_agg(DISTINCT ai_model ORDER BY ai_model) FILTER (WHERE recent AND ai_model IS NOT NULL), '{}') AS models
  FROM failed GROUP BY error_class, message
HAVING count(*) FILTER (WHERE recent) >= $5
 ORDER BY now DESC, fingerprint LIMIT $4`;
