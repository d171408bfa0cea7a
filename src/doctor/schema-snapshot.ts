/** A database schema as the doctor sees it: plain data, comparable, serialisable. */

export interface ColumnShape {
  name: string;
  /** As `format_type` prints it: `text`, `timestamp with time zone`, `numeric(18,8)`, `text[]`. */
  type: string;
  notNull: boolean;
  /** Default expression as PostgreSQL prints it, or null. */
  default: string | null;
  /** `always` / `by default` for identity columns, else null. */
  identity: "always" | "by default" | null;
  /** Expression of a stored generated column, else null. */
  generated: string | null;
}

export interface ConstraintShape {
  name: string;
  type: "primary key" | "unique" | "foreign key" | "check" | "exclusion";
  /** As `pg_get_constraintdef` prints it. */
  definition: string;
}

export interface IndexShape {
  name: string;
  /** As `pg_get_indexdef` prints it, without the schema qualifier. */
  definition: string;
}

export interface TriggerShape {
  name: string;
  definition: string;
}

export interface TableShape {
  name: string;
  columns: ColumnShape[];
  constraints: ConstraintShape[];
  /** Indexes that do not back a constraint (those are covered by `constraints`). */
  indexes: IndexShape[];
  triggers: TriggerShape[];
}

export interface SchemaSnapshot {
  tables: TableShape[];
}
