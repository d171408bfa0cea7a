import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isStewardError, type StewardError } from "../../src/errors.ts";
import { parseFsarJson, parseFsarText } from "../../src/fsar/fsar-json.ts";
import { parseFsarMarkdown, renderFsarMarkdown } from "../../src/fsar/fsar-markdown.ts";
import { richReport } from "./fixtures/rich-report.ts";

const seed = readFileSync(new URL("fixtures/seed-report.md", import.meta.url), "utf8");

function refusal(text: string): StewardError {
  try {
    parseFsarJson(text);
  } catch (error) {
    assert.ok(isStewardError(error, "validation_failed"), `not a refusal: ${String(error)}`);
    return error;
  }
  assert.fail("the text parsed");
}

/** Steward's own JSON of a report, with the keys the parser ignores ("source", "loop", …). */
const stewardJson = () => JSON.stringify(richReport(), null, 2);
const lineOf = (text: string, fragment: string) => text.slice(0, text.indexOf(fragment)).split("\n").length;

describe("FSAR JSON", () => {
  it("reads Steward's own JSON, ignoring the keys it does not carry", () => {
    const report = richReport();
    const parsed = parseFsarJson(stewardJson());
    assert.deepEqual(Object.keys(parsed).sort(), [
      "block_execution",
      "findings",
      "id",
      "mitigations",
      "proposal",
      "risks",
      "severity",
      "timestamp",
    ]);
    assert.deepEqual(parsed.findings, report.findings);
    assert.deepEqual(parsed.proposal, report.proposal);
    assert.equal(parsed.id, report.id);
    assert.equal(parsed.block_execution, true);
  });

  it("parses the same report as Markdown and as JSON to the same thing", () => {
    const report = richReport();
    // The Markdown derives a finding's assessor from its key and carries no kinds.
    report.findings[1]!.kinds = [];
    assert.deepEqual(parseFsarJson(JSON.stringify(report)), parseFsarMarkdown(renderFsarMarkdown(report)));
  });

  it("fills a finding's defaults, and reads a proposal given as text by the Markdown rules", () => {
    const seedProposal = seed.slice(seed.indexOf("self_improvement:"), seed.indexOf("## Risks"));
    const text = JSON.stringify({
      id: "fsar_d1f2f508-8df5-417a-bb13-36fbcd0802f1",
      timestamp: "2026-01-02T17:18:06.436Z",
      severity: 6,
      block_execution: false,
      proposal: seedProposal,
      findings: [{ assessor: "review", code: "review.slow_stage", severity: 6, summary: "Stages are slow." }],
      risks: ["r"],
      mitigations: ["m"],
      trigger: "import",
      narrative: "ignored",
    });
    const parsed = parseFsarJson(text);
    assert.deepEqual(parsed.findings, [
      {
        assessor: "review",
        code: "review.slow_stage",
        key: "review.slow_stage",
        severity: 6,
        blocking: false,
        summary: "Stages are slow.",
        evidence: { numbers: {}, source: "reported" },
        kinds: [],
      },
    ]);
    assert.deepEqual(parsed.proposal, parseFsarMarkdown(seed).proposal);
  });

  it("picks the format by the first non-blank character", () => {
    assert.equal(parseFsarText(` \n\t${stewardJson()}`).format, "json");
    assert.equal(parseFsarText(`\uFEFF${stewardJson()}`).format, "json");
    const markdown = parseFsarText(seed);
    assert.equal(markdown.format, "markdown");
    assert.equal(markdown.severity, 6);
    assert.throws(
      () => parseFsarText("[1, 2]"),
      (e: unknown) => isStewardError(e, "validation_failed"),
    );
  });

  describe("refuses what does not fit, naming the path and the line", () => {
    it("a value out of range", () => {
      const report = JSON.parse(stewardJson());
      report.findings[0].severity = 11;
      const text = JSON.stringify(report, null, 2);
      const error = refusal(text);
      assert.equal(error.details.path, "findings[0].severity");
      assert.equal(error.details.line, lineOf(text, '"severity": 11'));
      assert.equal(error.details.expected, "an integer from 1 to 10");
      assert.equal(
        error.message,
        `findings[0].severity (line ${error.details.line}): expected an integer from 1 to 10, found 11`,
      );
    });

    it("a wrong type deep in the proposal", () => {
      const report = JSON.parse(stewardJson());
      report.proposal.sections[1].actions[0].sql = 42;
      const text = JSON.stringify(report, null, 2);
      const error = refusal(text);
      assert.equal(error.details.path, "proposal.sections[1].actions[0].sql");
      assert.equal(error.details.line, lineOf(text, '"sql": 42'));
    });

    it("a missing key: the line of the object it is missing from", () => {
      const report = JSON.parse(stewardJson());
      delete report.findings[2].summary;
      const text = JSON.stringify(report, null, 2);
      const error = refusal(text);
      assert.equal(error.details.path, "findings[2].summary");
      assert.equal(error.details.found, "nothing (it is missing)");
      const third = text.indexOf('"assessor": "money"');
      assert.equal(error.details.line, text.slice(0, text.lastIndexOf("{", third)).split("\n").length);
      const noRisks = refusal(JSON.stringify({ ...JSON.parse(stewardJson()), risks: undefined }));
      assert.equal(noRisks.details.path, "risks");
      assert.equal(noRisks.details.line, 1);
    });

    it("a bad id, timestamp or proposal", () => {
      const report = JSON.parse(stewardJson());
      const withKey = (key: string, value: unknown) =>
        refusal(JSON.stringify({ ...report, [key]: value }, null, 2));
      assert.equal(withKey("id", "fsar_nope").details.path, "id");
      assert.match(
        withKey("timestamp", "2026-01-02").message,
        /^timestamp \(line \d+\): expected an ISO-8601 date-time/,
      );
      assert.match(
        withKey("proposal", 7).message,
        /^proposal \(line \d+\): expected a string .* or an object/,
      );
      assert.equal(withKey("block_execution", "no").details.expected, "true or false");
    });

    it("a proposal text that does not parse: the JSON line and the line of the text", () => {
      const text = JSON.stringify(
        { ...JSON.parse(stewardJson()), proposal: "Summary.\n\n### 1. Fix\n```sql\nSELECT 1;" },
        null,
        2,
      );
      const error = refusal(text);
      assert.equal(error.details.path, "proposal");
      assert.equal(error.details.line, lineOf(text, '"proposal": "Summary'));
      assert.equal(error.details.proposalLine, 4);
      assert.match(error.message, /line 4 of its text: expected a closing ``` for this code block/);
    });

    it("a syntax error: the line, the column and the path it is at", () => {
      const text = '{\n  "id": "fsar_x",\n  "findings": [\n    { "severity": }\n  ]\n}';
      const error = refusal(text);
      assert.deepEqual(
        { ...error.details },
        { path: "findings[0].severity", line: 4, column: 19, expected: "a value", found: "}" },
      );
      assert.equal(refusal("").details.line, 1);
      assert.equal(refusal('{"a": "unterminated\n}').details.line, 1);
      assert.equal(refusal('{"a": 1,\n\n}').details.line, 3);
      assert.equal(refusal('{"a": 1} {"b": 2}').details.expected, "the end of the text");
    });

    it("a text over 1,000,000 characters", () => {
      const error = refusal(`${stewardJson()}${" ".repeat(1_000_000)}`);
      assert.equal(error.details.line, 1);
      assert.equal(error.details.expected, "a report of at most 1,000,000 characters");
    });
  });

  it("never throws anything but a refusal, on mutated and pathological JSON", () => {
    let state = 42;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const base = stewardJson();
    const pieces = ["{", "}", "[", "]", ",", ":", '"', "\\", "\\u12", "-", "1e", "null", "\n", "\u0000"];
    for (let i = 0; i < 2000; i++) {
      let text = base;
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) {
        const at = Math.floor(next() * text.length);
        text =
          text.slice(0, at) +
          pieces[Math.floor(next() * pieces.length)]! +
          text.slice(at + (next() < 0.5 ? 1 : 0));
      }
      try {
        parseFsarJson(text);
      } catch (error) {
        assert.ok(isStewardError(error, "validation_failed"), String(error));
        assert.ok(Number.isInteger(error.details.line));
      }
    }
    const deep = `{"id": ${"[".repeat(400_000)}${"]".repeat(400_000)}}`;
    assert.equal(refusal(deep).details.path, "id");
    assert.equal(refusal("[".repeat(900_000)).details.line, 1);
  });
});
