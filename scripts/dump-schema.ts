// Regenerates docs/schema.sql and migrations/expected-schemas.json (see src/doctor/schema-dump.ts).
import { writeFileSync } from "node:fs";
import { renderSchemaDump } from "../src/doctor/schema-dump.ts";

const { schemaSql, expectedSchemas } = await renderSchemaDump();
writeFileSync(new URL("../docs/schema.sql", import.meta.url), schemaSql);
writeFileSync(new URL("../migrations/expected-schemas.json", import.meta.url), expectedSchemas);
console.log("wrote docs/schema.sql and migrations/expected-schemas.json");
