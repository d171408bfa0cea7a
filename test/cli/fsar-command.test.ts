import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

const seed = path.join(import.meta.dirname, "..", "fsar", "fixtures", "seed-report.md");

describe(`steward fsar and steward gate on ${backend}`, () => {
  it("runs a report (Markdown and --json), lists, shows, acknowledges, imports, and the gate is closed and opened by hand with a reason", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDeps(testDb.db);
    await testDb.db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
    if (backend === "pglite") await testDb.db.close();
    const cwd = tempFolder("fsar-cli");
    const env = { STEWARD_DATABASE_URL: testDb.url };
    const cli = (...args: string[]) => runCli(args, { cwd, env });

    const run = await cli("fsar", "run");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# FSAR Proposal Report\n- id: fsar_[0-9a-f-]{36}\n- timestamp: /);
    assert.match(run.stdout, /- severity: 9\n- block_execution: true\n- proposal:/);
    assert.match(run.stdout, /ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;/);
    assert.match(run.stdout, /The execution gate is CLOSED for every kind/);

    const json = await cli("fsar", "run", "--json");
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      id: string;
      severity: number;
      block_execution: boolean;
      findings: {
        assessor: string;
        code: string;
        severity: number;
        blocking: boolean;
        summary: string;
        evidence: object;
      }[];
      proposal: object;
      risks: string[];
      mitigations: string[];
      timestamp: string;
    };
    assert.equal(report.severity, 9);
    assert.equal(report.block_execution, true);
    const missing = report.findings.find((f) => f.code === "schema.missing_object")!;
    assert.equal(missing.assessor, "schema");
    assert.equal(missing.blocking, true);
    assert.ok(missing.evidence);
    assert.ok(report.risks.length > 0 && report.mitigations.length > 0);

    const ls = await cli("fsar", "ls");
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(report.id));
    const shown = await cli("fsar", "show", report.id, "--json");
    assert.equal((JSON.parse(shown.stdout) as { id: string }).id, report.id);
    const markdown = await cli("fsar", "show", report.id);
    assert.match(markdown.stdout, /^# FSAR Proposal Report/);
    const missingShow = await cli("fsar", "show", "fsar_00000000-0000-4000-8000-000000000000");
    assert.notEqual(missingShow.code, 0);
    assert.match(missingShow.stderr, /There is no report fsar_00000000/);

    const ack = await cli("fsar", "ack", report.id);
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, new RegExp(`acknowledged by ${userInfo().username}`));

    const imported = await cli("fsar", "import", seed, "--source", "review-agent");
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /Report fsar_d1f2f508-8df5-417a-bb13-36fbcd0802f1 imported from review-agent \(markdown\): severity 6/,
    );
    const bad = path.join(cwd, "bad.md");
    writeFileSync(
      bad,
      "# FSAR Proposal Report\n- id: fsar_d1f2f508-8df5-417a-bb13-36fbcd0802f2\n- time: yesterday\n",
    );
    const refused = await cli("fsar", "import", bad);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /line 3: expected "- timestamp: <ISO-8601 date-time>", found "- time: yesterday"/,
    );

    const noReason = await cli("gate", "open", "--reason", " ");
    assert.notEqual(noReason.code, 0);
    assert.match(noReason.stderr, /needs a reason/);
    const status = await cli("gate", "status", "--json");
    assert.equal(
      (JSON.parse(status.stdout) as { closedForAll: boolean }).closedForAll,
      true,
      "a refused open changes nothing",
    );
    const open = await cli("gate", "open", "--reason", "checked by hand");
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stdout, /Opened every kind\./);
    assert.match(open.stdout, /The execution gate is open; 1 blocking finding is let through by an operator/);
    const close = await cli("gate", "close", "--reason", "maintenance", "--kinds", "noop");
    assert.equal(close.code, 0, close.stderr);
    assert.match(close.stdout, /CLOSED for noop/);
    const log = await cli("gate", "log", "--json");
    const actions = (
      JSON.parse(log.stdout) as {
        actions: { action: string; actor: string; via: string; reason: string | null }[];
      }
    ).actions;
    assert.deepEqual(
      actions.slice(0, 3).map((a) => a.action),
      ["gate.close", "gate.override", "fsar.import"],
    );
    assert.equal(actions[1]!.actor, userInfo().username);
    assert.equal(actions[1]!.via, "cli");
    assert.equal(actions[1]!.reason, "checked by hand");

    const findings = await cli("fsar", "findings", "--json");
    const keys = (JSON.parse(findings.stdout) as { findings: { key: string; status: string }[] }).findings;
    assert.ok(
      keys.some((f) => f.key === "schema.missing_object:execution_tasks.ai_model" && f.status === "open"),
    );
    const resolved = await cli(
      "fsar",
      "resolve",
      "schema.missing_object:execution_tasks.ai_model",
      "--reason",
      "column not used",
    );
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.match(resolved.stdout, /resolved by operator:/);
  });
});
