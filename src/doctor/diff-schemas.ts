import {
  canAddNotNull,
  constraintOrder,
  quoteIdent,
  renderAddColumn,
  renderAddConstraint,
  renderCreateIndex,
  renderCreateTable,
  renderCreateTrigger,
  renderRenameColumn,
} from "./render-ddl.ts";
import type { ColumnShape, SchemaSnapshot, TableShape } from "./schema-snapshot.ts";

export type DifferenceKind =
  | "missing_table"
  | "extra_table"
  | "missing_column"
  | "extra_column"
  | "renamed_column"
  | "column_type"
  | "column_nullability"
  | "column_default"
  | "column_identity"
  | "missing_constraint"
  | "extra_constraint"
  | "changed_constraint"
  | "missing_index"
  | "extra_index"
  | "changed_index"
  | "missing_trigger"
  | "extra_trigger"
  | "changed_trigger";

/** One way in which the live database differs from what its migrations produce. */
export interface SchemaDifference {
  kind: DifferenceKind;
  table: string;
  /** The column, constraint, index or trigger concerned, if any. */
  object?: string;
  expected?: string;
  actual?: string;
  /** The exact, idempotent SQL that repairs this difference, when the repair loses nothing. */
  repair?: string;
  /** For differences left to a person: why, and what they might run. */
  explanation?: string;
  /** SQL a person may run after checking it; never applied by `--fix` (a likely rename). */
  manualRepair?: string;
}

/**
 * Differences between `expected` (the shadow) and `actual` (the live database), in the order
 * their repairs must run: tables, columns, constraints (keys first), indexes, triggers.
 * Only repairs that cannot lose data are offered (adding tables, columns, constraints, indexes;
 * dropping a NOT NULL; setting a default). Dropping, retyping and tightening are explained.
 */
export function diffSchemas(expected: SchemaSnapshot, actual: SchemaSnapshot): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const live = new Map(actual.tables.map((t) => [t.name, t]));
  const wanted = new Map(expected.tables.map((t) => [t.name, t]));
  const empty = (name: string): TableShape => ({
    name,
    columns: [],
    constraints: [],
    indexes: [],
    triggers: [],
  });

  for (const table of expected.tables) {
    if (!live.has(table.name)) {
      out.push({
        kind: "missing_table",
        table: table.name,
        expected: `${table.columns.length} columns`,
        repair: renderCreateTable(table),
      });
    }
  }
  for (const table of actual.tables) {
    if (!wanted.has(table.name)) {
      out.push({
        kind: "extra_table",
        table: table.name,
        actual: `${table.columns.length} columns`,
        explanation: `Table ${table.name} is not created by any applied migration. If it is no longer needed, a person may run: DROP TABLE ${quoteIdent(table.name)}; (its rows are lost). Otherwise add it in a migration.`,
      });
    }
  }
  const pairs = expected.tables.map((table) => [table, live.get(table.name) ?? empty(table.name)] as const);
  for (const [want, have] of pairs) out.push(...diffColumns(want, have));
  for (const [want, have] of pairs) out.push(...diffConstraints(want, have));
  for (const [want, have] of pairs) out.push(...diffIndexes(want, have));
  for (const [want, have] of pairs) out.push(...diffTriggers(want, have));
  return out;
}

function diffColumns(want: TableShape, have: TableShape): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const table = want.name;
  const t = quoteIdent(table);
  const live = new Map(have.columns.map((c) => [c.name, c]));
  const tableMissing = have.columns.length === 0;
  const extra = have.columns.filter((column) => !want.columns.some((c) => c.name === column.name));
  const renamedFrom = likelyRenames(want, have, extra);
  for (const column of want.columns) {
    const current = live.get(column.name);
    const c = quoteIdent(column.name);
    if (current === undefined) {
      if (tableMissing) continue; // created with its table
      const rename = renamedFrom.get(column.name);
      if (rename !== undefined) {
        out.push(rename);
        continue;
      }
      const nullableFirst = column.notNull && !canAddNotNull(column);
      out.push({
        kind: "missing_column",
        table,
        object: column.name,
        expected: column.type,
        repair: renderAddColumn(table, column),
        ...(nullableFirst
          ? {
              explanation: `The column is added nullable: existing rows have no value for it. Fill it, then run: ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;`,
            }
          : {}),
      });
      continue;
    }
    if (current.type !== column.type) {
      out.push({
        kind: "column_type",
        table,
        object: column.name,
        expected: column.type,
        actual: current.type,
        explanation: `Changing a column's type can fail or lose data. A person may run: ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${column.type} USING ${c}::${column.type};`,
      });
    }
    if (current.notNull !== column.notNull && !column.identity) {
      out.push(
        column.notNull
          ? {
              kind: "column_nullability",
              table,
              object: column.name,
              expected: "NOT NULL",
              actual: "nullable",
              explanation: `Rows may hold NULL here. Fill them, then run: ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;`,
            }
          : {
              kind: "column_nullability",
              table,
              object: column.name,
              expected: "nullable",
              actual: "NOT NULL",
              repair: `ALTER TABLE ${t} ALTER COLUMN ${c} DROP NOT NULL;`,
            },
      );
    }
    if (current.default !== column.default && !column.identity && !column.generated) {
      out.push({
        kind: "column_default",
        table,
        object: column.name,
        expected: column.default ?? "no default",
        actual: current.default ?? "no default",
        repair:
          column.default === null
            ? `ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT;`
            : `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${column.default};`,
      });
    }
    if (current.identity !== column.identity || current.generated !== column.generated) {
      out.push({
        kind: "column_identity",
        table,
        object: column.name,
        expected: column.identity ?? column.generated ?? "plain column",
        actual: current.identity ?? current.generated ?? "plain column",
        explanation: "Identity and generated columns are changed by hand, with care for existing values.",
      });
    }
  }
  for (const column of extra) {
    const renamed = [...renamedFrom.values()].some(
      (d) => d.kind === "renamed_column" && d.actual === column.name,
    );
    if (renamed) continue;
    out.push({
      kind: "extra_column",
      table,
      object: column.name,
      actual: column.type,
      explanation: `Column ${table}.${column.name} is not created by any applied migration. If it is no longer needed, a person may run: ALTER TABLE ${t} DROP COLUMN ${quoteIdent(column.name)}; (its values are lost).`,
    });
  }
  return out;
}

/**
 * A column the migrations expect that is missing, beside an extra column of the same type in
 * the same table, is most likely that column renamed by hand: adding the expected column would
 * leave the values in the other one. Such a pair becomes one difference whose RENAME is left to
 * a person. When several extra columns of that type could be the one, each is offered and the
 * missing column is not added automatically either.
 */
function likelyRenames(
  want: TableShape,
  have: TableShape,
  extra: ColumnShape[],
): Map<string, SchemaDifference> {
  const out = new Map<string, SchemaDifference>();
  if (have.columns.length === 0) return out;
  const table = want.name;
  const missing = want.columns.filter((column) => !have.columns.some((c) => c.name === column.name));
  for (const column of missing) {
    const candidates = extra.filter((c) => c.type === column.type);
    if (candidates.length === 0) continue;
    const rivals = missing.filter((m) => m.type === column.type);
    const renames = candidates.map((c) => renderRenameColumn(table, c.name, column.name));
    if (candidates.length === 1 && rivals.length === 1) {
      const from = candidates[0]!;
      out.set(column.name, {
        kind: "renamed_column",
        table,
        object: column.name,
        expected: column.type,
        actual: from.name,
        manualRepair: renames[0]!,
        explanation: `Column ${from.name} (${from.type}), which no applied migration creates, looks like ${column.name} renamed. If it is, a person may run: ${renames[0]} If it is not, add ${column.name} with: ${renderAddColumn(table, column)}`,
      });
      continue;
    }
    out.set(column.name, {
      kind: "missing_column",
      table,
      object: column.name,
      expected: column.type,
      explanation: `Extra columns of the same type (${candidates.map((c) => c.name).join(", ")}) may be ${column.name} renamed, so it is not added automatically. A person may run one of: ${renames.join(" ")} Or, if it is new: ${renderAddColumn(table, column)}`,
    });
  }
  return out;
}

function diffConstraints(want: TableShape, have: TableShape): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const table = want.name;
  const live = new Map(have.constraints.map((c) => [c.name, c]));
  const ordered = [...want.constraints].sort((a, b) => constraintOrder(a) - constraintOrder(b));
  for (const constraint of ordered) {
    const current = live.get(constraint.name);
    if (current === undefined) {
      out.push({
        kind: "missing_constraint",
        table,
        object: constraint.name,
        expected: constraint.definition,
        repair: renderAddConstraint(table, constraint),
        explanation:
          "Adding a constraint checks the existing rows: if some break it, the repair fails and nothing is changed.",
      });
    } else if (current.definition !== constraint.definition) {
      out.push({
        kind: "changed_constraint",
        table,
        object: constraint.name,
        expected: constraint.definition,
        actual: current.definition,
        explanation: `Drop and re-add it by hand: ALTER TABLE ${quoteIdent(table)} DROP CONSTRAINT ${quoteIdent(constraint.name)}, ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition};`,
      });
    }
  }
  for (const constraint of have.constraints) {
    if (want.constraints.some((c) => c.name === constraint.name)) continue;
    out.push({
      kind: "extra_constraint",
      table,
      object: constraint.name,
      actual: constraint.definition,
      explanation: `Not created by any applied migration. A person may run: ALTER TABLE ${quoteIdent(table)} DROP CONSTRAINT ${quoteIdent(constraint.name)};`,
    });
  }
  return out;
}

function diffIndexes(want: TableShape, have: TableShape): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const table = want.name;
  const live = new Map(have.indexes.map((i) => [i.name, i]));
  for (const index of want.indexes) {
    const current = live.get(index.name);
    if (current === undefined) {
      out.push({
        kind: "missing_index",
        table,
        object: index.name,
        expected: index.definition,
        repair: renderCreateIndex(index),
      });
    } else if (current.definition !== index.definition) {
      out.push({
        kind: "changed_index",
        table,
        object: index.name,
        expected: index.definition,
        actual: current.definition,
        explanation: `Rebuild it by hand: DROP INDEX ${quoteIdent(index.name)}; ${index.definition};`,
      });
    }
  }
  for (const index of have.indexes) {
    if (want.indexes.some((i) => i.name === index.name)) continue;
    out.push({
      kind: "extra_index",
      table,
      object: index.name,
      actual: index.definition,
      explanation: `Not created by any applied migration; it costs time on every write. A person may run: DROP INDEX ${quoteIdent(index.name)};`,
    });
  }
  return out;
}

function diffTriggers(want: TableShape, have: TableShape): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const table = want.name;
  const live = new Map(have.triggers.map((t) => [t.name, t]));
  for (const trigger of want.triggers) {
    const current = live.get(trigger.name);
    if (current === undefined) {
      out.push({
        kind: "missing_trigger",
        table,
        object: trigger.name,
        expected: trigger.definition,
        repair: renderCreateTrigger(table, trigger),
      });
    } else if (current.definition !== trigger.definition) {
      out.push({
        kind: "changed_trigger",
        table,
        object: trigger.name,
        expected: trigger.definition,
        actual: current.definition,
        explanation: `Recreate it by hand: DROP TRIGGER ${quoteIdent(trigger.name)} ON ${quoteIdent(table)}; ${trigger.definition};`,
      });
    }
  }
  for (const trigger of have.triggers) {
    if (want.triggers.some((t) => t.name === trigger.name)) continue;
    out.push({
      kind: "extra_trigger",
      table,
      object: trigger.name,
      actual: trigger.definition,
      explanation: `Not created by any applied migration. A person may run: DROP TRIGGER ${quoteIdent(trigger.name)} ON ${quoteIdent(table)};`,
    });
  }
  return out;
}
