import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StewardError } from "../../src/errors.ts";
import { parseSeriesFile } from "../../src/telemetry/series-file.ts";

function refusal(text: string): StewardError {
  try {
    parseSeriesFile(text, "series.csv");
  } catch (error) {
    assert.ok(error instanceof StewardError);
    assert.equal(error.code, "validation_failed");
    return error;
  }
  assert.fail("expected a refusal");
}

describe("series files", () => {
  it("reads timestamp,value rows with a header", () => {
    const file = parseSeriesFile("timestamp,value\n2024-01-01 00:00,1.5\n2024-01-01 00:05,2\n", "s.csv");
    assert.deepEqual(file.values, [1.5, 2]);
    assert.deepEqual(file.timestamps, ["2024-01-01 00:00", "2024-01-01 00:05"]);
    assert.deepEqual(file.header, ["timestamp", "value"]);
  });

  it("reads timestamp,value rows without a header, with CRLF, quotes and blank lines", () => {
    const file = parseSeriesFile('"2024-01-01",3\r\n\r\n2024-01-02, -4e-1\r\n', "s.csv");
    assert.deepEqual(file.values, [3, -0.4]);
    assert.deepEqual(file.timestamps, ["2024-01-01", "2024-01-02"]);
    assert.equal(file.header, null);
  });

  it("reads a single column, with or without a header", () => {
    assert.deepEqual(parseSeriesFile("1\n2\n3", "s.csv").values, [1, 2, 3]);
    const headed = parseSeriesFile("latency_ms\n10\n12\n", "s.csv");
    assert.deepEqual(headed.values, [10, 12]);
    assert.equal(headed.timestamps, null);
  });

  it("reads a JSON array of numbers", () => {
    const file = parseSeriesFile(" [1, 2.5, -3]\n", "s.json");
    assert.equal(file.format, "json");
    assert.deepEqual(file.values, [1, 2.5, -3]);
  });

  it("refuses a bad value naming its line and what was expected", () => {
    const error = refusal("timestamp,value\n2024-01-01,1\n2024-01-02,oops\n");
    assert.match(error.message, /^series\.csv, line 3: "oops" is not a number; expected timestamp,value/);
    assert.equal(error.details.line, 3);
  });

  it("refuses a row of another width, naming its line", () => {
    assert.match(
      refusal("1\n2\n3,4\n").message,
      /line 3: found 2 fields; expected a number, as on the first line/,
    );
    assert.match(refusal("a,b,c\n").message, /line 1: found 3 fields/);
  });

  it("refuses what is no number in decimal notation: empty fields, hex, Infinity", () => {
    assert.match(refusal("1\n0x10\n").message, /line 2: "0x10" is not a number/);
    assert.match(refusal("2024-01-01,\n").message, /line 1: "" is not a number|only a header/);
    assert.match(refusal("1\nInfinity\n").message, /line 2/);
  });

  it("refuses empty files and bad JSON, naming the line of a syntax error", () => {
    assert.match(refusal("\n\n").message, /empty/);
    assert.match(refusal("value\n").message, /only a header/);
    assert.match(refusal("[1,\n2,\n]").message, /line 3: found \], expected a number/);
    assert.match(refusal('[1,\n "2"]').message, /line 2: found "2", expected a number/);
    assert.match(refusal("[1, 2").message, /not closed/);
    assert.match(refusal("[]").message, /empty/);
  });
});
