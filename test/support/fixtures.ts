import { writeFileSync } from "node:fs";
import path from "node:path";
import { tempFolder } from "./temp-folder.ts";

/** Writes migration files into a new temporary folder (removed after the test file): `{ "0001_a.up.sql": "…", … }`. */
export function migrationFolder(files: Record<string, string>): string {
  const dir = tempFolder("migrations");
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

/** Two small migrations, the second depending on the first. */
export const twoMigrations = {
  "0001_widgets.up.sql": "CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL);",
  "0001_widgets.down.sql": "DROP TABLE widgets;",
  "0002_widget_color.up.sql": "ALTER TABLE widgets ADD COLUMN color text DEFAULT 'blue';",
  "0002_widget_color.down.sql": "ALTER TABLE widgets DROP COLUMN color;",
};
