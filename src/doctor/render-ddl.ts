import type {
  ColumnShape,
  ConstraintShape,
  IndexShape,
  SchemaSnapshot,
  TableShape,
  TriggerShape,
} from "./schema-snapshot.ts";

/**
 * Idempotent DDL for the shapes of a snapshot. Used for the doctor's repairs and for the
 * committed schema dump (docs/schema.sql), so both always say the same thing.
 */

const reserved = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "column",
  "constraint",
  "create",
  "current_date",
  "current_role",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "from",
  "grant",
  "group",
  "having",
  "in",
  "initially",
  "intersect",
  "into",
  "lateral",
  "leading",
  "limit",
  "localtime",
  "localtimestamp",
  "not",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "placing",
  "primary",
  "references",
  "returning",
  "select",
  "session_user",
  "some",
  "symmetric",
  "table",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "when",
  "where",
  "window",
  "with",
]);

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !reserved.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function renderColumn(column: ColumnShape): string {
  const parts = [quoteIdent(column.name), column.type];
  if (column.identity) parts.push(`GENERATED ${column.identity.toUpperCase()} AS IDENTITY`);
  if (column.generated) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.notNull && !column.identity) parts.push("NOT NULL");
  return parts.join(" ");
}

/**
 * A column can be added with NOT NULL only when existing rows get a value (a default, an
 * identity or a generation expression); otherwise it is added nullable and the NOT NULL is
 * left as a separate, manual step.
 */
export function canAddNotNull(column: ColumnShape): boolean {
  return column.default !== null || column.identity !== null || column.generated !== null;
}

export function renderAddColumn(table: string, column: ColumnShape): string {
  const shape = column.notNull && !canAddNotNull(column) ? { ...column, notNull: false } : column;
  return `ALTER TABLE ${quoteIdent(table)} ADD COLUMN IF NOT EXISTS ${renderColumn(shape)};`;
}

/** Not idempotent, and never run by `--fix`: a rename is a guess that a person confirms. */
export function renderRenameColumn(table: string, from: string, to: string): string {
  return `ALTER TABLE ${quoteIdent(table)} RENAME COLUMN ${quoteIdent(from)} TO ${quoteIdent(to)};`;
}

export function renderCreateTable(table: TableShape): string {
  const columns = table.columns.map((c) => `  ${renderColumn(c)}`).join(",\n");
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table.name)} (\n${columns}\n);`;
}

/** ADD CONSTRAINT has no IF NOT EXISTS: the check is made in a DO block. */
export function renderAddConstraint(table: string, constraint: ConstraintShape): string {
  const alter = `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`;
  return [
    "DO $steward$ BEGIN",
    `  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ${quoteLiteral(constraint.name)} AND conrelid = ${quoteLiteral(quoteIdent(table))}::regclass) THEN`,
    `    ${alter};`,
    "  END IF;",
    "END $steward$;",
  ].join("\n");
}

export function renderCreateIndex(index: IndexShape): string {
  return `${index.definition.replace(/^CREATE (UNIQUE )?INDEX /, (_m, unique: string | undefined) => `CREATE ${unique ?? ""}INDEX IF NOT EXISTS `)};`;
}

export function renderCreateTrigger(table: string, trigger: TriggerShape): string {
  return [
    "DO $steward$ BEGIN",
    `  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = ${quoteLiteral(trigger.name)} AND tgrelid = ${quoteLiteral(quoteIdent(table))}::regclass) THEN`,
    `    ${trigger.definition};`,
    "  END IF;",
    "END $steward$;",
  ].join("\n");
}

/** Constraints that others depend on come first: keys before foreign keys and checks. */
export function constraintOrder(constraint: ConstraintShape): number {
  return { "primary key": 0, unique: 1, exclusion: 2, check: 3, "foreign key": 4 }[constraint.type];
}

/** The whole schema as SQL: what docs/schema.sql holds. */
export function renderSchema(snapshot: SchemaSnapshot): string {
  const out: string[] = [];
  for (const table of snapshot.tables) {
    out.push(`-- ${table.name}`, renderCreateTable(table));
    for (const constraint of [...table.constraints].sort((a, b) => constraintOrder(a) - constraintOrder(b))) {
      out.push(
        `ALTER TABLE ${quoteIdent(table.name)} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition};`,
      );
    }
    for (const index of table.indexes) out.push(`${index.definition};`);
    for (const trigger of table.triggers) out.push(`${trigger.definition};`);
    out.push("");
  }
  return out.join("\n");
}
