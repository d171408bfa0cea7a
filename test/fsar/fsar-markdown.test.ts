import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isStewardError, type StewardError } from "../../src/errors.ts";
import { type ParsedFsar, parseFsarMarkdown, renderFsarMarkdown } from "../../src/fsar/fsar-markdown.ts";
import type { FsarReport } from "../../src/fsar/fsar-report.ts";
import { richReport } from "./fixtures/rich-report.ts";

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const seed = fixture("seed-report.md");

/** The refusal of `text`: a StewardError "validation_failed" with a line and an expected form. */
function refusal(text: string): StewardError {
  try {
    parseFsarMarkdown(text);
  } catch (error) {
    assert.ok(isStewardError(error, "validation_failed"), `not a refusal: ${String(error)}`);
    return error;
  }
  assert.fail("the text parsed");
}

function assertRefused(text: string, line: number, fragment: string): StewardError {
  const error = refusal(text);
  assert.equal(error.details.line, line, error.message);
  assert.ok(error.message.includes(fragment), `"${fragment}" not in: ${error.message}`);
  assert.match(error.message, new RegExp(`^line ${line}: expected `));
  return error;
}

/** What of a report its Markdown carries (findings' assessor and kinds are derived on the way back). */
function carried(report: FsarReport): ParsedFsar {
  const { id, timestamp, severity, block_execution, proposal, risks, mitigations } = report;
  const findings = report.findings.map((f) => ({ ...f, assessor: f.key.split(".")[0]!, kinds: [] }));
  return { id, timestamp, severity, block_execution, proposal, findings, risks, mitigations };
}

const seedLines = seed.split("\n");
const withLines = (lines: string[]) => lines.join("\n");

describe("FSAR Markdown", () => {
  it("parses the seed report", () => {
    const parsed = parseFsarMarkdown(seed);
    assert.equal(parsed.id, "fsar_d1f2f508-8df5-417a-bb13-36fbcd0802f1");
    assert.equal(parsed.timestamp, "2026-01-02T17:18:06.436Z");
    assert.equal(parsed.severity, 6);
    assert.equal(parsed.block_execution, false);
    assert.match(parsed.proposal.summary, /^To address the issues identified, .* actionable improvements:$/);
    assert.deepEqual(
      parsed.proposal.sections.map((s) => [s.number, s.title]),
      [
        [1, "Resolving Current Errors"],
        [2, "Improving Performance Metrics"],
        [3, "Enhancing Monetization Flows and ROI Visibility"],
      ],
    );
    const [first, second, third] = parsed.proposal.sections;
    assert.match(first!.text, /^The primary error being reported is due to a missing column/);
    assert.equal(
      first!.actions[0]!.sql,
      "ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model TEXT;",
    );
    assert.match(
      first!.actions[0]!.text,
      /^Database Migration: Create a migration script .* to production\.$/,
    );
    assert.match(first!.actions[1]!.text, /^Backfill Data: If possible/);
    assert.equal(second!.actions.length, 3);
    assert.match(
      second!.actions[0]!.text,
      /^Implement Ideas \(avg duration too high\): Optimization in Task Assignment: Review .* Algorithm Adjustment: Use a weighted approach/,
    );
    assert.match(second!.actions[2]!.text, /^Self-Improvement \(avg duration too high\): Regular Updates/);
    assert.equal(
      third!.text,
      "To reduce friction in monetization flows and improve ROI visibility, consider:",
    );
    assert.match(
      third!.actions[0]!.text,
      /^Real-Time Analytics Dashboard: .* Integration with Stripe API: Enhance/,
    );
    assert.ok(parsed.proposal.sections.every((s) => s.findings.length === 0));
    assert.match(parsed.proposal.conclusion, /^By addressing/);
    assert.deepEqual(parsed.findings, []);
    assert.deepEqual(parsed.risks, [
      "Slow failure: unnoticed degradation accumulating by 2028-01-02",
      "Unintended consequence: incentives shift toward short-term metrics, long-term reliability decays",
      "Incentive drift: stakeholders habituate to optimistic outputs, raising risk of silent defects",
    ]);
    assert.deepEqual(parsed.mitigations, [
      "Add scheduled adversarial audits with hard pass/fail gates",
      "Track leading indicators for drift and trust inflation; alert on trend change",
      "Prefer reversible rollouts; keep rollback artifacts warm and tested",
    ]);
  });

  it("parses a blocking report with findings lists, commands, SQL and a configuration", () => {
    const parsed = parseFsarMarkdown(fixture("blocking-report.md"));
    assert.equal(parsed.block_execution, true);
    assert.equal(parsed.severity, 9);
    // The "Other findings" section lists what no other section names: it comes back as findings only.
    assert.deepEqual(
      parsed.proposal.sections.map((s) => s.title),
      ["Repair the schema drift", 'Bring "Implement Ideas" back under its target'],
    );
    const [schema, stage] = parsed.proposal.sections;
    assert.deepEqual(schema!.findings, ["schema.drift:execution_tasks.ai_model", "errors.repeated:42703"]);
    assert.deepEqual(schema!.actions, [
      {
        text: "Add the missing column `ai_model` to `execution_tasks`",
        command: "steward doctor --fix",
        sql: "ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS ai_model text;",
      },
      {
        text: "Re-run the failed tasks once the column exists",
        command: "steward tasks retry --failed-since 2026-04-14",
      },
    ]);
    assert.equal(stage!.actions[0]!.config, '{\n  "workers": { "implement": { "concurrency": 2 } }\n}');
    assert.deepEqual(
      parsed.findings.map((f) => [f.key, f.assessor, f.code, f.severity, f.blocking]),
      [
        ["schema.drift:execution_tasks.ai_model", "schema", "schema.drift", 9, true],
        ["errors.repeated:42703", "errors", "errors.repeated", 7, false],
        [
          "performance.stage_over_target:Implement Ideas:avgDurationMs",
          "performance",
          "performance.stage_over_target",
          5,
          false,
        ],
        ["money.duplicate_event:evt_1", "money", "money.duplicate_event", 2, false],
      ],
    );
    assert.deepEqual(parsed.findings[1]!.evidence, {
      numbers: { count: 42, sqlstate: "42703" },
      window: { from: "2026-04-14T09:00:00.000Z", to: "2026-04-15T09:00:00.000Z" },
      source: "database_error_counts",
    });
    assert.deepEqual(parsed.findings[3]!.evidence, { numbers: {}, source: "stripe_events" });
    assert.equal(parsed.findings[0]!.summary, "The column `execution_tasks.ai_model` is missing");
    assert.match(parsed.proposal.conclusion, /^Repairing the schema opens the gate again/);
    assert.equal(parsed.risks.length, 2);
    assert.equal(parsed.mitigations[0], "Run the repair while the scheduler is paused (`steward pause`)");
  });

  it("parses another agent's report: CRLF, a BOM, numbered and starred lists, a bash block", () => {
    const text = fixture("other-agent-report.md");
    assert.ok(text.includes("\r\n") && text.startsWith("\uFEFF"));
    const parsed = parseFsarMarkdown(text);
    assert.equal(parsed.id, "fsar_3F2504E0-4F89-11D3-9A0C-0305E82C3301");
    assert.equal(parsed.timestamp, "2026-03-01T12:30:00+01:00");
    assert.equal(parsed.severity, 4);
    assert.equal(parsed.block_execution, false);
    assert.equal(
      parsed.proposal.summary,
      "Review of the last week by the review agent.\nLatency is acceptable, but retries hide a slow dependency.",
    );
    const [retries, http] = parsed.proposal.sections;
    assert.equal(
      retries!.text,
      "Retries succeed, so nobody sees how often the first attempt fails.\nA dashboard panel would show it.",
    );
    assert.deepEqual(retries!.actions, [
      { text: "Count retries: add a counter per task kind." },
      { text: "Alert when more than 5% of tasks need a retry within an hour." },
    ]);
    assert.deepEqual(http!.actions, [
      { text: "Timeouts: lower the connect timeout to 2 s.", command: "agentctl set http.connectTimeout 2s" },
      { text: "Pin the client library version:", command: "npm install undici@6.21.0 --save-exact" },
    ]);
    assert.equal(
      parsed.proposal.conclusion,
      "Fewer hidden failures, and a clearer picture of the dependency.",
    );
    assert.deepEqual(parsed.findings, []);
    assert.deepEqual(parsed.risks, [
      "A lower timeout fails requests that would have succeeded slowly",
      "Alert fatigue if the 5% threshold is too low for busy days",
    ]);
    assert.deepEqual(parsed.mitigations, [
      "Roll the timeout out to one worker first",
      "Review the threshold after two weeks",
    ]);
  });

  it("renders in the seed's layout", () => {
    const markdown = renderFsarMarkdown(richReport());
    const lines = markdown.split("\n");
    assert.deepEqual(lines.slice(0, 8), [
      "# FSAR Proposal Report",
      "- id: fsar_0e9b7c1a-3f2d-4c5e-8a6b-1d2c3e4f5a6b",
      "- timestamp: 2026-04-15T09:00:00.000Z",
      "- severity: 9",
      "- block_execution: true",
      "- proposal:",
      "",
      "self_improvement:  The schema drifted and a stage is slow.",
    ]);
    assert.ok(lines.includes("### 1. Repair the schema"));
    assert.ok(
      lines.includes(
        "- severity 9, blocking: The column `ai_model` is missing. (`schema.drift:execution_tasks.ai_model`)",
      ),
    );
    assert.ok(lines.includes("  - **Command:** `steward doctor --fix`"));
    assert.ok(lines.includes("    ```sql"));
    assert.ok(lines.includes("### 3. Other findings"));
    assert.ok(lines.includes("### Conclusion"));
    assert.ok(markdown.endsWith("## Mitigations\n- Pause the scheduler first\n"));
  });

  it("gives a rich report back whole", () => {
    const report = richReport();
    assert.deepEqual(parseFsarMarkdown(renderFsarMarkdown(report)), carried(report));
  });

  it("gives back a report with no sections and no findings: the summary alone", () => {
    const report: FsarReport = {
      ...richReport(),
      severity: 1,
      block_execution: false,
      findings: [],
      proposal: {
        summary: "No finding above the notes' severity; nothing to change.",
        sections: [],
        conclusion: "",
      },
      risks: [],
      mitigations: ["Keep the schedule"],
    };
    const markdown = renderFsarMarkdown(report);
    assert.ok(!markdown.includes("###"));
    assert.ok(markdown.includes("## Risks\n- (none)\n"));
    assert.deepEqual(parseFsarMarkdown(markdown), carried(report));
  });

  it("keeps text that looks like structure, and folds newlines in one-line fields", () => {
    const report = richReport();
    report.proposal.summary =
      "First line.\n# not a heading\n## Risks\n- not a bullet\n1. not a list\n\\# a backslash";
    report.proposal.sections[0]!.text = "**not bold**\n### 9. not a section\n```\nnot a fence";
    report.proposal.sections[0]!.actions[0]!.text = "Add **the** column\nnow, with a \\* in it";
    report.proposal.conclusion = "Done.\n\n### Next\n* not a bullet";
    report.risks = ["one\ntwo", "# a hash", "- a dash"];
    const parsed = parseFsarMarkdown(renderFsarMarkdown(report));
    assert.equal(parsed.proposal.summary, report.proposal.summary);
    assert.equal(parsed.proposal.sections[0]!.text, report.proposal.sections[0]!.text);
    assert.equal(parsed.proposal.sections[0]!.actions[0]!.text, "Add **the** column now, with a \\* in it");
    assert.equal(parsed.proposal.conclusion, report.proposal.conclusion);
    assert.deepEqual(parsed.risks, ["one two", "# a hash", "- a dash"]);
  });

  describe("refuses what does not fit, naming the line", () => {
    const replace = (index: number, text: string) =>
      withLines(seedLines.map((l, i) => (i === index ? text : l)));

    it("an empty report, or blanks only", () => {
      assertRefused("", 1, 'expected "# FSAR Proposal Report", found an empty report');
      assertRefused("\n \r\n\t\n", 1, "an empty report");
    });

    it("a wrong first line", () => {
      assertRefused(`\n\n# Report\n${seed}`, 3, 'found "# Report"');
    });

    it("each header line out of place or wrong", () => {
      assertRefused(replace(1, "- id: fsar_123"), 2, 'expected "- id: fsar_<uuid>", found "- id: fsar_123"');
      const time = assertRefused(replace(2, "- time: yesterday"), 3, "");
      assert.equal(
        time.message,
        'line 3: expected "- timestamp: <ISO-8601 date-time>", found "- time: yesterday"',
      );
      assert.deepEqual(time.details, {
        line: 3,
        expected: "- timestamp: <ISO-8601 date-time>",
        found: "- time: yesterday",
      });
      assertRefused(replace(2, "- timestamp: 2026-01-02"), 3, "ISO-8601");
      assertRefused(replace(2, "- timestamp: 2026-02-30T10:00:00Z"), 3, "ISO-8601");
      assertRefused(
        replace(3, "- severity: 11"),
        4,
        'expected "- severity: <an integer 1-10>", found "- severity: 11"',
      );
      assertRefused(replace(3, "- severity: 4.5"), 4, 'found "- severity: 4.5"');
      assertRefused(replace(3, "- severity: 0"), 4, "severity");
      assertRefused(replace(4, "- block_execution: maybe"), 5, 'expected "- block_execution: <true|false>"');
      assertRefused(replace(5, "self_improvement: x"), 6, 'expected "- proposal:"');
      assertRefused(
        seedLines.slice(0, 3).join("\n"),
        4,
        'expected "- severity: <an integer 1-10>", found the end',
      );
    });

    it("no Risks section: the line after the last", () => {
      const lines = seedLines.slice(0, seedLines.indexOf("## Risks") - 1);
      assert.match(lines.at(-1)!, /^By addressing/);
      const error = assertRefused(
        withLines(lines),
        lines.length + 1,
        'expected "## Risks", found the end of the report',
      );
      assert.equal(error.details.expected, "## Risks");
      assert.equal(error.details.found, "");
    });

    it("Risks without Mitigations, an empty list, something after Mitigations", () => {
      const risksAt = seedLines.indexOf("## Risks");
      const mitigationsAt = seedLines.indexOf("## Mitigations");
      assertRefused(withLines(seedLines.slice(0, mitigationsAt - 1)), mitigationsAt, '"## Mitigations"');
      const noRisks = [...seedLines.slice(0, risksAt + 1), ...seedLines.slice(mitigationsAt)];
      assertRefused(withLines(noRisks), risksAt + 2, "at least one");
      assertRefused(withLines(seedLines.slice(0, mitigationsAt + 1)), mitigationsAt + 2, '"- <mitigation>"');
      assertRefused(`${seed}\n\nThanks for reading.`, seedLines.length + 2, 'found "Thanks for reading."');
      assertRefused(replace(risksAt + 2, "Not a bullet"), risksAt + 3, '"- <risk>" or "## Mitigations"');
    });

    it("an unterminated code fence: the line it opens on", () => {
      const fenceAt = seedLines.findIndex((l) => l.trim() === "```sql");
      const lines = seedLines.filter((_, i) => i !== fenceAt + 2);
      assertRefused(withLines(lines), fenceAt + 1, "a closing ``` for this code block");
    });

    it("a findings line without its key, or with a severity out of range", () => {
      const markdown = fixture("blocking-report.md");
      const at = markdown.split("\n").findIndex((l) => l.startsWith("- severity 7:"));
      const lines = markdown.split("\n");
      lines[at] = "- severity 12: too much (`errors.repeated:42703`)";
      assertRefused(lines.join("\n"), at + 1, "- severity <1-10>[, blocking]: <summary> (`<key>`)");
      lines[at] = "- severity 7: no key here";
      assertRefused(lines.join("\n"), at + 1, 'found "- severity 7: no key here"');
    });

    it("a report over 1,000,000 characters", () => {
      const error = assertRefused(
        seed + " ".repeat(1_000_000),
        1,
        "a report of at most 1,000,000 characters",
      );
      assert.equal(error.details.expected, "a report of at most 1,000,000 characters");
    });

    it("cuts what it found to 120 characters", () => {
      const error = refusal(replace(1, `- id: ${"x".repeat(500)}`));
      assert.equal((error.details.found as string).length, 120);
    });
  });

  describe("never throws anything but a refusal", () => {
    /** A small deterministic generator (mulberry32), so a failure can be replayed. */
    function random(seedValue: number): () => number {
      let a = seedValue;
      return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    const pieces = [
      "#",
      "### ",
      "- ",
      "  - ",
      "**",
      "```",
      "`",
      "\\",
      ":",
      "\n",
      "\r",
      "\u0000",
      "(`",
      "`)",
      "; ",
      "=",
    ];

    function mutate(lines: string[], next: () => number): string[] {
      const out = [...lines];
      const pick = () => Math.floor(next() * out.length);
      for (let k = 1 + Math.floor(next() * 4); k > 0 && out.length > 0; k--) {
        const i = pick();
        const r = next();
        if (r < 0.25) out.splice(i, 1);
        else if (r < 0.45) out.splice(i, 0, out[i]!);
        else if (r < 0.6) [out[i], out[pick()]] = [out[pick()]!, out[i]!];
        else {
          const line = out[i]!;
          const at = Math.floor(next() * (line.length + 1));
          const piece =
            next() < 0.5
              ? pieces[Math.floor(next() * pieces.length)]!
              : String.fromCharCode(Math.floor(next() * 0xffff));
          out[i] = line.slice(0, at) + piece + line.slice(at + (next() < 0.3 ? 1 : 0));
        }
      }
      return out;
    }

    function outcome(text: string): "parsed" | "refused" {
      try {
        parseFsarMarkdown(text);
        return "parsed";
      } catch (error) {
        assert.ok(
          isStewardError(error, "validation_failed"),
          `${String(error)} for:\n${text.slice(0, 2000)}`,
        );
        assert.ok(Number.isInteger(error.details.line) && (error.details.line as number) >= 1);
        return "refused";
      }
    }

    it("on a few thousand mutated copies of the seed and of a rendered report", () => {
      const next = random(20260415);
      const sources = [
        seedLines,
        renderFsarMarkdown(richReport()).split("\n"),
        fixture("blocking-report.md").split("\n"),
      ];
      const seen = { parsed: 0, refused: 0 };
      for (let i = 0; i < 3000; i++) seen[outcome(mutate(sources[i % sources.length]!, next).join("\n"))]++;
      assert.ok(seen.parsed > 100 && seen.refused > 100, JSON.stringify(seen));
    });

    it("on random bytes, NUL bytes and 1 MB of #", () => {
      const next = random(7);
      for (let i = 0; i < 200; i++) {
        const bytes = Uint8Array.from({ length: Math.floor(next() * 400) }, () => Math.floor(next() * 256));
        outcome(new TextDecoder().decode(bytes));
        outcome(`# FSAR Proposal Report\n${new TextDecoder().decode(bytes)}`);
      }
      assert.equal(outcome("\u0000".repeat(10_000)), "refused");
      assert.equal(outcome("#".repeat(1_000_000)), "refused");
      assert.equal(outcome(`${"#\n".repeat(499_999)}`), "refused");
      assert.equal(outcome("#".repeat(1_000_001)), "refused");
    });

    it("on long lines that could make a parser slow", () => {
      const header = seedLines.slice(0, seedLines.indexOf("## Risks")).join("\n");
      const tail = seedLines.slice(seedLines.indexOf("## Risks")).join("\n");
      const started = Date.now();
      for (const body of [
        `**Findings:**\n- severity 5: ${"(`".repeat(200_000)}`,
        `**Findings:**\n- severity 5: x (\`k\`)\n  - evidence: ${'a="'.repeat(100_000)}`,
        `- x\n  - **${"**".repeat(200_000)}\u2028`,
        `${" ".repeat(400_000)}x`,
        `\`\`\`\n${"`".repeat(400_000)}\n\`\`\``,
      ])
        outcome(`${header}\n### 9. Long\n${body}\n${tail}`);
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    });
  });
});
