import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../support/run-cli.ts";
import { tempFolder } from "../support/temp-folder.ts";

/** 60 points at 10, then 40 at 30: one step at index 60, which CUSUM finds within a point or two. */
const step = Array.from({ length: 100 }, (_, i) => (i < 60 ? 10 + (i % 3) * 0.1 : 30 + (i % 3) * 0.1));

function folderWith(files: Record<string, string>): string {
  const cwd = tempFolder("detect");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(cwd, name), text);
  return cwd;
}

describe("steward detect", () => {
  const cwd = folderWith({
    "headed.csv": `timestamp,value\n${step.map((v, i) => `2024-01-01T${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")},${v}`).join("\n")}\n`,
    "bare.csv": `${step.map((v, i) => `t${i},${v}`).join("\n")}\n`,
    "column.csv": `${step.join("\n")}\n`,
    "series.json": JSON.stringify(step),
    "bad.csv": "timestamp,value\nt0,1\nt1,2\nt2,two\n",
  });

  it("prints the change points of a timestamp,value CSV with a header as a table, and opens no database", async () => {
    const result = await runCli(["detect", "headed.csv", "--detector", "cusum"], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^cusum: 1 change point in 100 values \(headed\.csv\); indices are 0-based/);
    assert.match(result.stdout, /index\s+timestamp\s+value\n[─ ]+\n\s*6[01]\s+2024-01-01T01:0[01]\s+30/);
    assert.equal(existsSync(path.join(cwd, ".steward")), false, "no database was made");
  });

  it("answers --json with exactly detector, n and change_points, for CSV without header, one column and JSON", async () => {
    const answers = [];
    for (const file of ["bare.csv", "column.csv", "series.json"]) {
      const result = await runCli(["detect", file, "--detector", "cusum", "--json"], { cwd });
      assert.equal(result.code, 0, result.stderr);
      answers.push(JSON.parse(result.stdout));
    }
    for (const answer of answers) {
      assert.deepEqual(Object.keys(answer), ["detector", "n", "change_points"]);
      assert.equal(answer.detector, "cusum");
      assert.equal(answer.n, 100);
    }
    assert.equal(answers[0].change_points.length, 1);
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(answers[2], answers[0]);
  });

  it("passes --param to the detector, validated", async () => {
    const tight = await runCli(
      ["detect", "column.csv", "--detector", "cusum", "--param", "h=100000", "--json"],
      { cwd },
    );
    assert.equal(tight.code, 0, tight.stderr);
    assert.deepEqual(JSON.parse(tight.stdout).change_points, []);
    const wrong = await runCli(["detect", "column.csv", "--detector", "cusum", "--param", "hh=1"], { cwd });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /detector cusum has no parameter "hh"; its parameters are: k, h/);
  });

  it("refuses a bad line naming it, and an unknown detector listing the names", async () => {
    const bad = await runCli(["detect", "bad.csv"], { cwd });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /bad\.csv, line 4: "two" is not a number; expected timestamp,value/);
    const unknown = await runCli(["detect", "column.csv", "--detector", "magic"], { cwd });
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /unknown detector "magic"; the detectors are: cusum, page-hinkley, .*contextual-anomaly/,
    );
    const missing = await runCli(["detect", "nowhere.csv"], { cwd });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /cannot read nowhere\.csv/);
  });
});
