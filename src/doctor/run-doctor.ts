import type { Database } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import type { Migration } from "../migrate/migration-files.ts";
import { type MigrationStatusReport, migrationStatus } from "../migrate/migrator.ts";
import { diffSchemas, type SchemaDifference } from "./diff-schemas.ts";
import type { ExpectedSchemaCache } from "./expected-schema.ts";
import { introspectSchema } from "./introspect-schema.ts";
import type { SchemaSnapshot } from "./schema-snapshot.ts";

/**
 * The schema doctor: compares the live database with the schema its applied migrations
 * produce (replayed into a shadow PGlite), and says exactly how to repair what differs.
 * Pending migrations are reported apart from drift: they are expected before a deploy.
 */
export interface DoctorReport {
  database: string;
  migrations: MigrationStatusReport;
  differences: SchemaDifference[];
  /** Differences with an exact, idempotent repair that loses nothing. */
  repairable: SchemaDifference[];
  /** Differences left to a person, each with its explanation. */
  manual: SchemaDifference[];
  /** "clean": no drift, migrations current; "drift": the schema differs; "pending": no drift, but migrations to apply. */
  status: "clean" | "drift" | "pending";
}

/** What the doctor needs: the live database, the migrations shipped, and where expected schemas come from. */
export interface DoctorDeps {
  db: Database;
  migrations: Migration[];
  expectedSchema: ExpectedSchemaCache;
}

/** Tables the migrator manages itself; they are not part of any migration's schema. */
const ignoredTables = new Set(["steward_migrations"]);

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { db, migrations } = deps;
  const status = await migrationStatus(db, migrations);
  const appliedUpTo = Math.max(
    0,
    ...status.states.filter((s) => s.status !== "pending").map((s) => s.version),
  );
  const [expected, actual] = await Promise.all([
    deps.expectedSchema.get(migrations, appliedUpTo),
    introspectSchema(db),
  ]);
  const differences = diffSchemas(withoutIgnored(expected), withoutIgnored(actual));
  const repairable = differences.filter((d) => d.repair !== undefined);
  const manual = differences.filter((d) => d.repair === undefined);
  return {
    database: db.description,
    migrations: status,
    differences,
    repairable,
    manual,
    status: differences.length > 0 ? "drift" : status.current ? "clean" : "pending",
  };
}

/** All repair statements of a report, as one script a person can read or run. */
export function repairScript(report: DoctorReport): string {
  return report.repairable.map((d) => d.repair).join("\n");
}

/**
 * Applies every repairable difference in one transaction: all of them, or (if one fails,
 * e.g. a constraint that existing rows break) none. Manual differences are never touched.
 */
export async function applyRepairs(
  db: Database,
  report: DoctorReport,
): Promise<{ applied: SchemaDifference[]; error?: StewardError }> {
  if (report.repairable.length === 0) return { applied: [] };
  try {
    await db.transaction(async (tx) => {
      for (const difference of report.repairable) await tx.exec(difference.repair!);
    });
    return { applied: report.repairable };
  } catch (cause) {
    return {
      applied: [],
      error: new StewardError(
        "migration_failed",
        `The repairs were rolled back, nothing changed: ${(cause as Error).message}`,
        { cause },
      ),
    };
  }
}

function withoutIgnored(snapshot: SchemaSnapshot): SchemaSnapshot {
  return { tables: snapshot.tables.filter((t) => !ignoredTables.has(t.name)) };
}
