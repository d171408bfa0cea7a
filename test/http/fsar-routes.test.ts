import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { buildServer } from "../../src/http/build-server.ts";
import { testDeps } from "../support/steward-deps.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const seed = readFileSync(path.join(import.meta.dirname, "..", "fsar", "fixtures", "seed-report.md"), "utf8");

test(`the FSAR and gate routes: run, list, show, import, refuse, and the gate's changes with who made them (${backend})`, async (t) => {
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db);
  await db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  const app = await buildServer(deps, { localToken: "local-secret" });
  t.after(() => app.close());

  const run = await app.inject({
    method: "POST",
    url: "/api/fsar/run",
    headers: { "user-agent": "probe/1.0" },
  });
  assert.equal(run.statusCode, 201, run.body);
  const report = run.json<{ id: string; severity: number; block_execution: boolean }>();
  assert.equal(report.severity, 9);
  assert.equal(report.block_execution, true);

  const list = await app.inject({ method: "GET", url: "/api/fsar?limit=5" });
  assert.deepEqual(
    list.json<{ reports: { id: string }[] }>().reports.map((r) => r.id),
    [report.id],
  );
  const shown = await app.inject({ method: "GET", url: `/api/fsar/${report.id}` });
  assert.equal(shown.json<{ report: { id: string } }>().report.id, report.id);
  const markdown = await app.inject({ method: "GET", url: `/api/fsar/${report.id}?format=markdown` });
  assert.match(markdown.headers["content-type"] as string, /^text\/markdown/);
  assert.match(markdown.body, /^# FSAR Proposal Report\n- id: fsar_/);
  const missing = await app.inject({
    method: "GET",
    url: "/api/fsar/fsar_00000000-0000-4000-8000-000000000000",
  });
  assert.equal(missing.statusCode, 404);
  const badId = await app.inject({ method: "GET", url: "/api/fsar/nope" });
  assert.equal(badId.statusCode, 400);

  const imported = await app.inject({
    method: "POST",
    url: "/api/fsar?source=review-agent",
    headers: { "content-type": "text/markdown" },
    payload: seed,
  });
  assert.equal(imported.statusCode, 201, imported.body);
  assert.equal(
    imported.json<{ format: string; report: { source: string } }>().report.source,
    "import:review-agent",
  );
  const again = await app.inject({
    method: "POST",
    url: "/api/fsar?source=review-agent",
    headers: { "content-type": "text/markdown" },
    payload: seed,
  });
  assert.equal(again.statusCode, 409, "a report is stored once");
  const refused = await app.inject({
    method: "POST",
    url: "/api/fsar",
    headers: { "content-type": "application/json" },
    payload: '{\n  "id": "fsar_d1f2f508-8df5-417a-bb13-36fbcd0802f3",\n  "timestamp": "soon"\n}',
  });
  assert.equal(refused.statusCode, 400);
  const error = refused.json<{ error: { details: { line: number; path: string } } }>().error;
  assert.equal(error.details.line, 3);
  assert.equal(error.details.path, "timestamp");
  assert.equal(
    (await app.inject({ method: "GET", url: "/api/fsar" })).json<{ reports: unknown[] }>().reports.length,
    2,
    "the refused report stored nothing",
  );

  const noReason = await app.inject({ method: "POST", url: "/api/gate/open", payload: { kinds: [] } });
  assert.equal(noReason.statusCode, 400);
  assert.match(noReason.body, /reason/);
  assert.equal((await app.inject({ method: "GET", url: "/api/gate" })).json<{ open: boolean }>().open, false);
  const byClient = await app.inject({
    method: "POST",
    url: "/api/gate/open",
    headers: { "user-agent": "ops-console/2" },
    payload: { reason: "the column is restored by the next deploy" },
  });
  assert.equal(byClient.statusCode, 200, byClient.body);
  assert.deepEqual(byClient.json<{ opened: string[] }>().opened, ["*"]);
  const byCli = await app.inject({
    method: "POST",
    url: "/api/gate/close",
    headers: { authorization: "Bearer local-secret", "x-steward-actor": "ada" },
    payload: { reason: "maintenance", kinds: ["noop"] },
  });
  assert.equal(byCli.statusCode, 200, byCli.body);
  const impostor = await app.inject({
    method: "POST",
    url: "/api/gate/close",
    headers: { authorization: "Bearer wrong", "x-steward-actor": "root" },
    payload: { reason: "maintenance", kinds: ["sleep"] },
  });
  assert.equal(impostor.statusCode, 200);
  const unknownKind = await app.inject({
    method: "POST",
    url: "/api/gate/close",
    payload: { reason: "x", kinds: ["nope"] },
  });
  assert.equal(unknownKind.statusCode, 400);
  const actions = (await app.inject({ method: "GET", url: "/api/operator-actions?limit=10" })).json<{
    actions: { action: string; actor: string; via: string }[];
  }>().actions;
  const [impostorAction, cliAction, overrideAction] = actions;
  assert.equal(impostorAction!.action, "gate.close");
  assert.equal(impostorAction!.via, "http", "a name without the local token is not believed");
  assert.equal(cliAction!.action, "gate.close");
  assert.deepEqual([cliAction!.via, cliAction!.actor], ["cli", "ada"]);
  assert.equal(overrideAction!.action, "gate.override");
  assert.equal(overrideAction!.via, "http");
  assert.match(overrideAction!.actor, /\(ops-console\/2\)$/, "the client: its address and user agent");
  assert.doesNotMatch(actions[0]!.actor, /root/, "a name without the local token is not believed");
});
