// Regenerates docs/schema.sql from the migrations (see src/doctor/schema-dump.ts).
import { writeFileSync } from "node:fs";
import { renderSchemaDump } from "../src/doctor/schema-dump.ts";

const target = new URL("../docs/schema.sql", import.meta.url);
writeFileSync(target, await renderSchemaDump());
console.log("wrote docs/schema.sql");
