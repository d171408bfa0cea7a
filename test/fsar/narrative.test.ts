import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { fsarDepsOf } from "../../src/app/fsar-deps.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { isStewardError } from "../../src/errors.ts";
import { finding } from "../../src/fsar/assessor.ts";
import type { Finding, Proposal } from "../../src/fsar/fsar-report.ts";
import { narrativePrompt, parseNarrative } from "../../src/fsar/narrative.ts";
import {
  checkNarrative,
  type NarrativeCandidate,
  type NarrativeFacts,
} from "../../src/fsar/narrative-check.ts";
import { buildProposal } from "../../src/fsar/proposal.ts";
import { closingFindings, getReport } from "../../src/fsar/report-store.ts";
import { assessNow, type FsarDeps, writeReport } from "../../src/fsar/write-report.ts";
import { delay, garbage, reply, startFakeModelServer, status } from "../support/openai-compatible-server.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";
import { waitFor } from "../support/wait-for.ts";

// ---------------------------------------------------------------------------------------------
// checkNarrative on findings made by hand

const window = { from: "2026-12-03T17:30:00.000Z", to: "2026-12-03T18:30:00.000Z" };
const slowKey = "performance.over_target:Implement Ideas:*:avgDurationMs";

const handFindings: Finding[] = [
  finding("errors.failing_fingerprint", {
    scope: "ab12cd",
    severity: 6,
    summary:
      "TimeoutError: request timed out: 1,234 of 3,010 attempts (41 %) in the last 1h, doubled since the hour before.",
    evidence: {
      numbers: { failed: 1234, attempts: 3010, share: 0.41, before: 600 },
      window,
      source: "task_attempts",
    },
  }),
  finding("performance.over_target", {
    scope: "Implement Ideas:*:avgDurationMs",
    severity: 6,
    summary:
      "Implement Ideas: average 412 s against a target of 120 s over the last hour, 38 attempts (3.4× the target).",
    evidence: {
      numbers: { avgDurationMs: 412_000, targetMs: 120_000, attempts: 38, ratio: 3.4 },
      window,
      source: "task_rollups, stage 'Implement Ideas'",
    },
    remedy: [{ text: "Give Implement Ideas more workers.", config: '{ "workers": { "concurrency": 8 } }' }],
  }),
  finding("money.negative_roi", {
    scope: "idea-7",
    summary: "Idea idea-7 cost $3.20 and earned $0.00 over the last 30 d.",
    evidence: { numbers: { costUsd: 3.2, revenueUsd: 0 }, source: "money_sums" },
  }),
];
const handProposal = buildProposal(handFindings, { windowLabel: "1h", blocking: [] });
const handFacts: NarrativeFacts = { findings: handFindings, proposal: handProposal, windowLabel: "1h" };

const faithful: NarrativeCandidate = {
  summary:
    "In the last 1h Steward made 3 findings, the worst of severity 6; the actions below answer them section by section.",
  sections: [
    {
      number: 1,
      text: "One error, a TimeoutError, failed 1234 of 3010 attempts, a share of 0.41 (41%), twice as often as before.",
    },
    {
      number: 2,
      text: `Implement Ideas took 412 seconds on average against its 120 s target, 3.4 times the target over 38 attempts (\`${slowKey}\`).`,
    },
    { number: 3, text: "Idea idea-7 spent $3.20 and earned nothing in 30 days (money.negative_roi)." },
  ],
  conclusion:
    "Planning the report turns each action into a task; the next report shows whether its finding went.",
};

/** The faithful narrative with one section's text changed. */
function withSection(number: number, text: string): NarrativeCandidate {
  return {
    ...faithful,
    sections: faithful.sections.map((s) => (s.number === number ? { number, text } : s)),
  };
}

const refused = (candidate: NarrativeCandidate) => {
  const check = checkNarrative(candidate, handFacts);
  assert.equal(check.ok, false, "the narrative should be refused");
  return (check as { reason: string }).reason;
};

describe("checkNarrative", () => {
  it("the proposal it checks against has the three sections", () => {
    assert.deepEqual(
      handProposal.sections.map((s) => [s.number, s.findings]),
      [
        [1, ["errors.failing_fingerprint:ab12cd"]],
        [2, [slowKey]],
        [3, ["money.negative_roi:idea-7"]],
      ],
    );
  });

  it("accepts a faithful rewrite: numbers as written (separators, units in words, 41 % ↔ 0.41), real keys and codes", () => {
    assert.deepEqual(checkNarrative(faithful, handFacts), { ok: true });
    const reordered = { ...faithful, sections: [...faithful.sections].reverse() };
    assert.deepEqual(
      checkNarrative(reordered, handFacts),
      { ok: true },
      "the order of sections does not matter",
    );
    const deterministic: NarrativeCandidate = {
      summary: handProposal.summary,
      sections: handProposal.sections.map((s) => ({ number: s.number, text: s.text })),
      conclusion: handProposal.conclusion,
    };
    assert.deepEqual(checkNarrative(deterministic, handFacts), { ok: true }, "Steward's own text passes");
  });

  it("refuses a changed number, naming it and where", () => {
    assert.equal(
      refused(withSection(1, "A TimeoutError failed 1,234 of 3,010 attempts (43 %).")),
      "changes a number: 43 % is not among the facts (section 1)",
    );
    assert.match(
      refused({ ...faithful, summary: "Steward made 7 findings in the last 1h." }),
      /^changes a number: 7 is not among the facts \(the summary\)$/,
    );
    assert.match(
      refused(withSection(2, "Implement Ideas took 412 ms on average against 120 s.")),
      /changes a number: 412 ms/,
      "the same digits with another unit",
    );
    assert.match(
      refused(withSection(2, "Implement Ideas took 6.9 minutes on average against its 120 s target.")),
      /changes a number: 6\.9 minutes/,
      "nothing is rounded or converted",
    );
    assert.match(
      refused(withSection(3, "Idea idea-7 spent $3.25 and earned nothing.")),
      /changes a number: \$3\.25/,
    );
    assert.match(refused(withSection(1, "1,243 of 3,010 attempts failed.")), /changes a number: 1,243/);
  });

  it("refuses an invented finding key or code", () => {
    assert.equal(
      refused(withSection(1, "The TimeoutError (41 %) also explains schema.dropped_table.")),
      "names a finding that does not exist: schema.dropped_table (section 1)",
    );
    assert.match(
      refused(
        withSection(
          2,
          "Implement Ideas is slow (`performance.over_target:Implement Ideas:*:p95DurationMs`).",
        ),
      ),
      /names a finding that does not exist: performance\.over_target:Implement/,
    );
    assert.match(
      refused({ ...faithful, conclusion: "No money.budget_exceeded was found." }),
      /names a finding that does not exist: money\.budget_exceeded \(the conclusion\)/,
      "a real code that this report did not find",
    );
  });

  it("refuses a dropped, an extra, a doubled or an empty section, and one that drops its findings", () => {
    assert.equal(refused({ ...faithful, sections: faithful.sections.slice(0, 2) }), "drops section 3");
    assert.match(
      refused({ ...faithful, sections: [...faithful.sections, { number: 4, text: "Idea idea-7 again." }] }),
      /^adds a section 4/,
    );
    assert.equal(
      refused({ ...faithful, sections: [...faithful.sections, faithful.sections[0]!] }),
      "writes section 1 twice",
    );
    assert.equal(refused(withSection(2, "  ")), "leaves section 2 empty");
    assert.equal(refused({ ...faithful, summary: "" }), "leaves the summary empty");
    assert.equal(refused({ ...faithful, conclusion: "" }), "leaves the conclusion empty");
    assert.match(
      refused(withSection(3, "Money needs care.")),
      /^drops the findings of section 3: its text names none of their subjects or numbers/,
    );
  });

  it("parses the answer, in a ```json fence too, and says why one is no narrative", () => {
    const json = JSON.stringify(faithful);
    assert.deepEqual(parseNarrative(json), { ok: true, candidate: faithful });
    assert.deepEqual(parseNarrative(`\`\`\`json\n${json}\n\`\`\``), { ok: true, candidate: faithful });
    assert.deepEqual(parseNarrative(`Here it is:\n${json}`), { ok: true, candidate: faithful });
    const notJson = parseNarrative("Sure! The report looks fine.");
    assert.equal(notJson.ok, false);
    assert.match(
      (notJson as { reason: string }).reason,
      /^its answer is not JSON: "Sure! The report looks fine\."$/,
    );
    const wrong = parseNarrative(JSON.stringify({ summary: "x", sections: [{ number: "one", text: "y" }] }));
    assert.match((wrong as { reason: string }).reason, /not the narrative's JSON \(sections\.0\.number:/);
  });

  it("the prompt gives the findings' numbers and keys, Steward's texts, and the answer's shape", () => {
    const { system, prompt } = narrativePrompt(handFindings, handProposal, "1h");
    assert.match(system, /Keep every number exactly as written/);
    assert.match(system, /Name no finding, finding code or key that is not given/);
    assert.match(prompt, /"avgDurationMs": 412000/);
    assert.ok(prompt.includes(slowKey));
    assert.ok(prompt.includes(handProposal.summary));
    assert.match(prompt, /sections 1, 2, 3/);
    assert.match(
      prompt,
      /\{"summary": string, "sections": \[\{"number": integer, "text": string\}\], "conclusion": string\}/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: a report on a broken schema, its narrative by the local OpenAI-compatible server

const missingKey = "schema.missing_object:execution_tasks.ai_model";
const apiKeyEnv = "STEWARD_NARRATIVE_TEST_KEY";
const apiKey = "sk-narrative-secret-4242";
process.env[apiKeyEnv] = apiKey;

/** A fresh database with ai_model dropped, a local server, and a configured model narrating. */
async function narrated(t: TestContext, timeoutMs = 20_000) {
  const server = await startFakeModelServer();
  t.after(() => server.close());
  const { db } = await createTestDatabase(t);
  const deps = await testDeps(db, {
    config: {
      providers: [
        { id: "local", type: "openai-compatible", baseUrl: server.baseUrl, timeoutMs: 20_000, apiKeyEnv },
      ],
      models: [
        {
          id: "narrator",
          provider: "local",
          model: "narrator-1",
          price: { inputPerMTok: 1, outputPerMTok: 1 },
        },
      ],
      fsar: { narrative: { model: "narrator", timeoutMs } },
    },
  });
  await db.exec("ALTER TABLE execution_tasks DROP COLUMN ai_model");
  const fsar = fsarDepsOf(deps);
  // The same assessment without a narrator: the findings and sections the model will be given.
  const unnarrated: FsarDeps = { ...fsar, fsar: { ...fsar.fsar, narrative: { model: null, timeoutMs } } };
  const plain = await assessNow(unnarrated);
  assert.deepEqual(plain.narrative, { by: "steward" });
  assert.equal(server.requests.length, 0, "no model is called without fsar.narrative.model");
  assert.ok(plain.findings.some((f) => f.key === missingKey && f.severity === 9));
  return { server, db, fsar, plain };
}

/** A rewrite true to the report: its counts and severity, its subjects, a real key. */
function honest(proposal: Proposal, findings: Finding[]): NarrativeCandidate {
  const top = Math.max(...findings.map((f) => f.severity));
  return {
    summary: `Steward found ${findings.length} problems in the last 1h; the worst has severity ${top}, and execution stays blocked until execution_tasks.ai_model is back.`,
    sections: proposal.sections.map((s) => ({
      number: s.number,
      text: s.findings.includes(missingKey)
        ? `The column execution_tasks.ai_model is gone, so every statement that uses it fails (\`${missingKey}\`).`
        : `Put plainly: ${s.text}`,
    })),
    conclusion:
      "Planning the report turns each action into a self-improvement task; the next report tells whether its finding went away.",
  };
}

/** Steward's own proposal for a report's findings. */
const deterministic = (findings: Finding[]) =>
  buildProposal(findings, { windowLabel: "1h", blocking: closingFindings({ findings }) });

describe(`the model's narrative on ${backend}`, () => {
  it("an honest server's rewrite is the report's narrative; the actions, findings and numbers stay Steward's", async (t) => {
    const { server, db, fsar, plain } = await narrated(t);
    const rewrite = honest(plain.proposal, plain.findings);
    server.script(reply(`\`\`\`json\n${JSON.stringify(rewrite, null, 2)}\n\`\`\``));
    const { report } = await writeReport(fsar);
    assert.deepEqual(report.narrative, { by: "model", model: "narrator" });
    assert.equal(report.proposal.summary, rewrite.summary);
    assert.deepEqual(
      report.proposal.sections.map((s) => s.text),
      rewrite.sections.map((s) => s.text),
    );
    assert.equal(report.proposal.conclusion, rewrite.conclusion);
    const own = deterministic(report.findings);
    assert.deepEqual(
      report.proposal.sections.map(({ text, ...rest }) => rest),
      own.sections.map(({ text, ...rest }) => rest),
      "titles, findings and actions unchanged",
    );
    const stored = await getReport(db, report.id);
    assert.deepEqual(stored.report.narrative, { by: "model", model: "narrator" });
    assert.equal(stored.report.proposal.summary, rewrite.summary);
    assert.ok(stored.markdown.includes(rewrite.summary));

    assert.equal(server.requests.length, 1);
    const request = server.requests[0]!;
    assert.equal(request.path, "/v1/chat/completions");
    assert.equal(request.headers.authorization, `Bearer ${apiKey}`);
    const body = JSON.stringify(request.body);
    assert.ok(body.includes(missingKey), "the prompt gives the findings' keys");
    assert.ok(body.includes("narrator-1"));
  });

  it("a lying server is refused: a changed number, an invented finding, a dropped section; Steward's text is kept with the reason", async (t) => {
    const { server, fsar, plain } = await narrated(t);
    const rewrite = honest(plain.proposal, plain.findings);
    const lies: [NarrativeCandidate, RegExp][] = [
      [
        { ...rewrite, summary: `${rewrite.summary} 43 % of statements fail.` },
        /^changes a number: 43 % is not among the facts \(the summary\)$/,
      ],
      [
        {
          ...rewrite,
          sections: rewrite.sections.map((s) =>
            s.number === 1 ? { ...s, text: `${s.text} It also explains schema.dropped_table.` } : s,
          ),
        },
        /^names a finding that does not exist: schema\.dropped_table \(section 1\)$/,
      ],
      [{ ...rewrite, sections: rewrite.sections.slice(1) }, /^drops section 1$/],
    ];
    for (const [lie, reason] of lies) {
      server.script(reply(JSON.stringify(lie)));
      const { report } = await writeReport(fsar);
      assert.equal(report.narrative.by, "steward");
      assert.ok("rejected" in report.narrative, JSON.stringify(report.narrative));
      assert.equal(report.narrative.rejected.model, "narrator");
      assert.match(report.narrative.rejected.reason, reason);
      assert.deepEqual(report.proposal, deterministic(report.findings), "the deterministic text is kept");
    }
  });

  it("a server that answers 500 or no JSON is refused, and the reason carries no API key", async (t) => {
    const { server, fsar } = await narrated(t);
    const failures: [Parameters<typeof server.script>[0], RegExp][] = [
      [
        status(
          500,
          { "content-type": "application/json" },
          JSON.stringify({ error: { message: `overloaded (${apiKey})` } }),
        ),
        /^the call failed: provider "local", model "narrator": server error \(HTTP 500\)/,
      ],
      [
        reply("Sure! The schema is broken, fix it."),
        /^its answer is not JSON: "Sure! The schema is broken, fix it\."$/,
      ],
      [
        garbage("this is not the API's answer"),
        /^the call failed: provider "local", model "narrator": unreadable response/,
      ],
      [reply(JSON.stringify({ summary: "x" })), /^its answer is not the narrative's JSON \(sections:/],
    ];
    for (const [behaviour, reason] of failures) {
      server.script(behaviour);
      const { report } = await writeReport(fsar);
      assert.ok("rejected" in report.narrative, JSON.stringify(report.narrative));
      assert.match(report.narrative.rejected.reason, reason);
      assert.ok(!report.narrative.rejected.reason.includes(apiKey), report.narrative.rejected.reason);
      assert.deepEqual(report.proposal, deterministic(report.findings));
    }
    assert.equal(server.requests.length, failures.length);
  });

  it("a server too slow for fsar.narrative.timeoutMs is refused, and its request aborted", async (t) => {
    const { server, fsar, plain } = await narrated(t, 1_000);
    server.script(delay(60_000, reply(JSON.stringify(honest(plain.proposal, plain.findings)))));
    const started = performance.now();
    const { report } = await writeReport(fsar);
    assert.ok(performance.now() - started < 15_000, "the report does not wait for the model");
    assert.ok("rejected" in report.narrative, JSON.stringify(report.narrative));
    assert.equal(report.narrative.rejected.reason, "no answer within 1000 ms (fsar.narrative.timeoutMs)");
    assert.deepEqual(report.proposal, deterministic(report.findings));
    await waitFor(() => server.requests[0]?.clientAborted, { what: "the model's request to be aborted" });
  });
});

describe("the narrative's configuration", () => {
  it("an unknown fsar.narrative.model stops start-up naming the key and the configured models", () => {
    const cwd = tempFolder("narrative-config");
    const config = (model: string | null) =>
      writeFileSync(
        path.join(cwd, "steward.config.json"),
        JSON.stringify({
          providers: [{ id: "local", type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" }],
          models: [
            { id: "narrator", provider: "local", model: "n-1", price: { inputPerMTok: 1, outputPerMTok: 1 } },
            { id: "writer", provider: "local", model: "w-1", price: { inputPerMTok: 1, outputPerMTok: 1 } },
          ],
          fsar: { narrative: { model } },
        }),
      );
    config("ghost");
    assert.throws(
      () => loadConfig({ cwd, env: {} }),
      (error: unknown) =>
        isStewardError(error, "config_invalid") &&
        /"fsar\.narrative\.model" names model "ghost", which is not configured; configured models: narrator, writer/.test(
          error.message,
        ),
    );
    config("writer");
    assert.equal(loadConfig({ cwd, env: {} }).config.fsar.narrative.model, "writer");
    config(null);
    assert.deepEqual(loadConfig({ cwd, env: {} }).config.fsar.narrative, { model: null, timeoutMs: 60_000 });
  });
});
