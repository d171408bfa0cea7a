import type { SchemaDifference } from "../doctor/diff-schemas.ts";
import { introspectSchema } from "../doctor/introspect-schema.ts";
import { runDoctor } from "../doctor/run-doctor.ts";
import type { SchemaSnapshot } from "../doctor/schema-snapshot.ts";
import { type Assessor, finding, windowOf } from "./assessor.ts";
import { type DatabaseErrorGroup, readDatabaseErrors } from "./database-error-counts.ts";
import type { Finding } from "./fsar-report.ts";

/**
 * The schema: drift from the doctor (what the applied migrations produce against the live
 * catalogs), migrations not applied, and the database errors of the window by SQLSTATE. A burst of
 * errors that the drift explains (42703 naming a missing column, 42P01 a missing table) is tied
 * to it: the drift is the cause, the errors its symptom, and the finding says so.
 */
export const schemaAssessor: Assessor = {
  name: "schema",
  async assess(deps, window) {
    const report = await runDoctor(deps);
    const errors = await readDatabaseErrors(deps.db, window);
    const findings: Finding[] = [];
    const breaking = report.differences.filter(breaksWrites);
    const other = report.differences.filter((d) => !breaksWrites(d));
    for (const difference of breaking) {
      const explained = errors.filter((e) => explains(difference, e));
      const count = explained.reduce((sum, e) => sum + e.count, 0);
      findings.push(
        finding("schema.missing_object", {
          scope: objectOf(difference),
          summary: `${describe(difference)}: statements that use it fail${
            count > 0 ? ` (${count} errors ${states(explained)} in the last ${window.label})` : ""
          }.`,
          evidence: {
            numbers: {
              difference: difference.kind,
              table: difference.table,
              object: difference.object ?? null,
              expected: difference.expected ?? null,
              actual: difference.actual ?? null,
              explainedErrors: count,
            },
            ...(count > 0 ? { window: windowOf(window) } : {}),
            source: `steward doctor (live catalogs against migrations ${report.migrations.states.length > 0 ? `0001–${String(appliedUpTo(report)).padStart(4, "0")}` : "none"}); database_errors`,
          },
          remedy: [
            {
              text: `Restore ${objectOf(difference)} as the migrations define it (the doctor's repair loses nothing).`,
              command: "steward doctor --fix",
              ...(difference.repair === undefined ? {} : { sql: difference.repair }),
            },
            ...(difference.kind === "missing_column" &&
            difference.table === "execution_tasks" &&
            difference.object === "ai_model"
              ? [
                  {
                    text: "Refill the assigned model of past tasks from their attempts.",
                    command: "steward backfill ai-model-from-attempts",
                  },
                ]
              : []),
          ],
          risk: `Every statement that reads or writes ${objectOf(difference)} fails: work stops or is lost at the step that writes it.`,
          mitigation:
            "Run `steward doctor` before each deploy and after any manual change; keep the gate closed until it reports clean.",
        }),
      );
    }
    if (other.length > 0)
      findings.push(
        finding("schema.drift", {
          severity: other.every((d) => d.kind.startsWith("extra_")) ? 3 : 5,
          summary: `The schema differs from what its migrations produce in ${other.length} way${other.length === 1 ? "" : "s"} that do not break writes: ${other.slice(0, 3).map(describe).join("; ")}${other.length > 3 ? "; …" : ""}.`,
          evidence: {
            numbers: {
              differences: other.length,
              repairable: other.filter((d) => d.repair !== undefined).length,
            },
            source: "steward doctor",
          },
          remedy: [
            {
              text: "Apply the repairs that lose nothing; read the doctor's explanation for the rest.",
              command: "steward doctor --fix",
            },
          ],
          risk: "Queries planned for the expected indexes and constraints run slower or accept rows they should refuse.",
          mitigation:
            "Make schema changes only through migrations, so that the doctor's picture stays the truth.",
        }),
      );
    const pending = report.migrations.states.filter((s) => s.status === "pending");
    if (pending.length > 0)
      findings.push(
        finding("schema.pending_migrations", {
          summary: `${pending.length} migration${pending.length === 1 ? " is" : "s are"} not applied: ${pending.map((p) => p.name).join(", ")}.`,
          evidence: {
            numbers: { pending: pending.length },
            source: "steward_migrations against the shipped migrations",
          },
          remedy: [{ text: "Apply the shipped migrations.", command: "steward migrate up" }],
          risk: "Code of this version expects the schema of its migrations; statements that need the new objects fail.",
          mitigation: "Migrate as a step of every deploy, before the new workers start.",
        }),
      );
    const unexplained = errors.filter((e) => !breaking.some((d) => explains(d, e)));
    const live = unexplained.some((e) => e.sqlState === "42703" || e.sqlState === "42P01")
      ? await introspectSchema(deps.db)
      : null;
    for (const group of bursts(unexplained))
      findings.push(
        errorFinding(group, window.label, windowOf(window), live !== null && allRepaired(group, live)),
      );
    return findings;
  },
};

/** Differences that make statements fail: a table, column or trigger missing or changed in shape. */
function breaksWrites(d: SchemaDifference): boolean {
  return ["missing_table", "missing_column", "renamed_column", "column_type", "missing_trigger"].includes(
    d.kind,
  );
}

function objectOf(d: SchemaDifference): string {
  return d.object === undefined ? d.table : `${d.table}.${d.object}`;
}

function describe(d: SchemaDifference): string {
  const what = d.kind.replace(/_/g, " ");
  return `${what} ${objectOf(d)}${d.expected ? ` (expected ${d.expected}${d.actual ? `, found ${d.actual}` : ""})` : ""}`;
}

function appliedUpTo(report: Awaited<ReturnType<typeof runDoctor>>): number {
  return Math.max(0, ...report.migrations.states.filter((s) => s.status !== "pending").map((s) => s.version));
}

/** Whether an error is what this difference makes statements fail with. */
function explains(d: SchemaDifference, e: DatabaseErrorGroup): boolean {
  const name = d.object ?? d.table;
  if (e.sqlState === "42703") return d.object !== undefined && e.message.includes(name);
  if (e.sqlState === "42P01") return d.kind === "missing_table" && e.message.includes(d.table);
  return false;
}

function states(groups: DatabaseErrorGroup[]): string {
  return [...new Set(groups.map((g) => g.sqlState))].map((s) => `SQLSTATE ${s}`).join(", ");
}

/** Errors of one SQLSTATE worth a finding: at least five in the window. */
function bursts(
  groups: DatabaseErrorGroup[],
): { sqlState: string; count: number; messages: DatabaseErrorGroup[] }[] {
  const byState = new Map<string, DatabaseErrorGroup[]>();
  for (const g of groups) byState.set(g.sqlState, [...(byState.get(g.sqlState) ?? []), g]);
  return [...byState]
    .map(([sqlState, messages]) => ({ sqlState, messages, count: messages.reduce((s, m) => s + m.count, 0) }))
    .filter((b) => b.count >= 5)
    .sort((a, b) => b.count - a.count);
}

/** Disk full, I/O errors, internal errors: classes where data may already be lost. */
const dataLossClasses = new Set(["53", "58", "XX"]);

/** What a 42703 or 42P01 message says is missing: `column t.ai_model` → ai_model; `relation "x"` → x. */
function missingName(message: string): string | null {
  const match = /(?:column|relation) "?(?:[\w]+\.)?([\w]+)"? does not exist/.exec(message);
  return match ? match[1]! : null;
}

/**
 * Whether every message of a burst names an object that exists again: the errors of a drift
 * since repaired (a report after `steward doctor --fix` still counts the window's errors).
 */
function allRepaired(
  burst: { sqlState: string; messages: DatabaseErrorGroup[] },
  live: SchemaSnapshot,
): boolean {
  if (burst.sqlState !== "42703" && burst.sqlState !== "42P01") return false;
  return burst.messages.every((m) => {
    const name = missingName(m.message);
    if (name === null) return false;
    return burst.sqlState === "42P01"
      ? live.tables.some((t) => t.name === name)
      : live.tables.some((t) => t.columns.some((c) => c.name === name));
  });
}

function errorFinding(
  burst: { sqlState: string; count: number; messages: DatabaseErrorGroup[] },
  label: string,
  window: { from: string; to: string },
  repaired: boolean,
): Finding {
  const losing = dataLossClasses.has(burst.sqlState.slice(0, 2));
  const top = burst.messages[0]!;
  const last = new Date(Math.max(...burst.messages.map((m) => m.lastAt.getTime())));
  return finding("schema.database_errors", {
    scope: burst.sqlState,
    severity: repaired ? 2 : losing ? 8 : burst.count >= 100 ? 6 : 5,
    blocking: losing,
    summary: repaired
      ? `${burst.count} database errors of SQLSTATE ${burst.sqlState} in the last ${label}, most "${top.message}" (${top.count}), the last at ${last.toISOString()}: what they name exists again, so they are the drift's, since repaired.`
      : `${burst.count} database errors of SQLSTATE ${burst.sqlState} in the last ${label}, most "${top.message}" (${top.count}).`,
    evidence: {
      numbers: {
        sqlState: burst.sqlState,
        errors: burst.count,
        messages: burst.messages.length,
        topMessageCount: top.count,
      },
      window,
      source: "database_errors (failed statements counted by every Steward process)",
    },
    remedy: [
      {
        text: losing
          ? "Check the database server's log and disk first: these errors say it cannot keep what it is given."
          : `Find the statement behind "${top.message}" in the workers' log and correct the code or the schema it expects.`,
        command: "steward doctor",
      },
    ],
    risk: losing
      ? "Writes that fail with disk, I/O or internal errors may be lost; more work makes more of them."
      : "Every statement that hits this error fails, and retries multiply the load without progress.",
    mitigation: losing
      ? "Keep the gate closed until the server is healthy; restore from a backup if data was lost."
      : "Alert on bursts of one SQLSTATE and tie each to a change (a deploy, a migration).",
  });
}
