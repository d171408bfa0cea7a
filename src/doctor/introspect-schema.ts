import type { Queryable } from "../db/database.ts";
import type { ColumnShape, ConstraintShape, SchemaSnapshot, TableShape } from "./schema-snapshot.ts";

/**
 * Reads the tables of the current schema from the catalogs: columns (type, nullability,
 * default, identity), constraints, indexes and triggers. Works the same on PGlite (PostgreSQL 18)
 * and PostgreSQL 15+: NOT NULL constraints, which PostgreSQL 18 also lists in pg_constraint,
 * are read from the columns only, so that the two versions compare equal.
 */
export async function introspectSchema(db: Queryable): Promise<SchemaSnapshot> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
  );
  const columns = await db.query<{
    table_name: string;
    name: string;
    type: string;
    not_null: boolean;
    default_expr: string | null;
    identity: string;
    generated: string;
  }>(
    `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
            a.attidentity::text AS identity, a.attgenerated::text AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
  );
  const constraints = await db.query<{ table_name: string; name: string; type: string; definition: string }>(
    `SELECT c.relname AS table_name, con.conname AS name, con.contype::text AS type,
            pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c', 'x')
      ORDER BY c.relname, con.conname`,
  );
  const indexes = await db.query<{ table_name: string; name: string; definition: string; schema: string }>(
    `SELECT t.relname AS table_name, i.relname AS name, pg_get_indexdef(i.oid) AS definition, n.nspname AS schema
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema()
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.oid AND con.conrelid = t.oid)
      ORDER BY t.relname, i.relname`,
  );
  const triggers = await db.query<{ table_name: string; name: string; definition: string; schema: string }>(
    `SELECT c.relname AS table_name, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS definition, n.nspname AS schema
       FROM pg_trigger tg
       JOIN pg_class c ON c.oid = tg.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND NOT tg.tgisinternal
      ORDER BY c.relname, tg.tgname`,
  );

  const byName = new Map<string, TableShape>(
    tables.rows.map((t) => [
      t.name,
      { name: t.name, columns: [], constraints: [], indexes: [], triggers: [] },
    ]),
  );
  for (const row of columns.rows) {
    const generated = row.generated === "s" ? row.default_expr : null;
    const column: ColumnShape = {
      name: row.name,
      type: row.type,
      notNull: row.not_null,
      default: generated === null ? row.default_expr : null,
      identity: row.identity === "a" ? "always" : row.identity === "d" ? "by default" : null,
      generated,
    };
    byName.get(row.table_name)?.columns.push(column);
  }
  for (const row of constraints.rows) {
    byName.get(row.table_name)?.constraints.push({
      name: row.name,
      type: constraintTypes[row.type] ?? "check",
      definition: row.definition,
    });
  }
  for (const row of indexes.rows) {
    byName
      .get(row.table_name)
      ?.indexes.push({ name: row.name, definition: unqualify(row.definition, row.schema) });
  }
  for (const row of triggers.rows) {
    byName
      .get(row.table_name)
      ?.triggers.push({ name: row.name, definition: unqualify(row.definition, row.schema) });
  }
  return { tables: [...byName.values()] };
}

const constraintTypes: Record<string, ConstraintShape["type"]> = {
  p: "primary key",
  u: "unique",
  f: "foreign key",
  c: "check",
  x: "exclusion",
};

/** `ON public.execution_tasks` → `ON execution_tasks`, so that schemas compare across databases. */
function unqualify(definition: string, schema: string): string {
  const prefix = /^[a-z_][a-z0-9_]*$/.test(schema) ? schema : `"${schema.replace(/"/g, '""')}"`;
  return definition.split(` ${prefix}.`).join(" ");
}
