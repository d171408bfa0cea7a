import type { Finding } from "./fsar-report.ts";

/** The severity of a finding that is the consequence of another the report names: a note. */
const consequenceSeverity = 2;

/**
 * Findings that are the consequence of another finding of the same report say so, point at the
 * cause's remedy, and drop to a note, so that one problem is not counted as three:
 * - an assessor that failed on an object the drift removed (`column "ai_model" does not exist`)
 *   failed because of that drift (it stays listed: the report cannot see what it measures);
 * - an error fingerprint whose failures all ran on one model that is itself found failing is
 *   that model's failures.
 */
export function explainConsequences(found: Finding[]): void {
  const missing = found.filter((f) => f.code === "schema.missing_object");
  const failingModels = new Map(
    found
      .filter((f) => f.code === "scheduling.failing_model")
      .map((f) => [f.key.replace(/^[^:]+:model:/, ""), f]),
  );
  for (const [i, f] of found.entries()) {
    if (f.code === "fsar.assessor_failed") {
      const error = String(f.evidence.numbers.error ?? "");
      const cause = missing.find((m) => {
        const object = String(m.evidence.numbers.object ?? m.evidence.numbers.table ?? "");
        return object !== "" && new RegExp(`\\b${object}\\b`).test(error);
      });
      if (cause)
        found[i] = {
          ...f,
          severity: consequenceSeverity,
          summary: `${f.summary} The cause is the drift above: ${cause.key}.`,
          remedy: [
            {
              text: "Repair the drift; the assessor runs again with the next report.",
              command: "steward doctor --fix",
            },
          ],
        };
    }
    if (f.code === "errors.failing_fingerprint") {
      const models = String(f.evidence.numbers.models ?? "")
        .split(",")
        .filter(Boolean);
      const cause = models.length === 1 ? failingModels.get(models[0]!) : undefined;
      if (cause)
        found[i] = {
          ...f,
          severity: consequenceSeverity,
          summary: `${f.summary} They are the failures of model ${models[0]}: ${cause.key}.`,
          remedy: cause.remedy ?? [],
        };
    }
  }
}
