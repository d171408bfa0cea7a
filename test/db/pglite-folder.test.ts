import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { createPgliteFolder } from "../../src/db/create-pglite-folder.ts";
import { PgliteDatabase } from "../../src/db/pglite-database.ts";
import { isStewardError } from "../../src/errors.ts";
import { tempFolder } from "../support/temp-folder.ts";

describe("embedded database folders", () => {
  it("are made by a child process, then opened here with 64 MB of shared buffers", async (t) => {
    const dataDir = path.join(tempFolder("pglite-folder"), "db");
    const db = await PgliteDatabase.open(dataDir);
    t.after(() => db.close());
    assert.ok(existsSync(path.join(dataDir, "PG_VERSION")));
    const { rows } = await db.query<{ shared_buffers: string }>("SHOW shared_buffers");
    assert.deepEqual(rows, [{ shared_buffers: "64MB" }]);
  });

  it("name the folder when it cannot be made", async () => {
    const file = path.join(tempFolder("pglite-folder"), "not-a-folder");
    writeFileSync(file, "");
    await assert.rejects(
      createPgliteFolder(path.join(file, "db")),
      (error: unknown) =>
        isStewardError(error) &&
        error.message.startsWith(`Creating the embedded database in ${file}/db failed`),
    );
  });
});
