import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStewardError } from "../../src/errors.ts";
import {
  defaultDetectorName,
  detectorDefaults,
  detectorNames,
  parseDetectorParams,
  runDetector,
} from "../../src/telemetry/detect/index.ts";
import { mannKendall } from "../../src/telemetry/detect/mann-kendall.ts";

function refused(fn: () => unknown, ...parts: string[]) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isStewardError(error, "validation_failed"), `not a validation error: ${error}`);
    for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" lacks "${part}"`);
    return true;
  });
}

describe("detector parameters", () => {
  it("refuses a value out of range, naming the key and what is allowed", () => {
    refused(() => parseDetectorParams("cusum", { k: -1 }), "cusum", '"k"', "≥ 0", "-1");
    refused(() => parseDetectorParams("cusum", { h: 0 }), '"h"', "> 0");
    refused(() => parseDetectorParams("ewma", { lambda: 1.5 }), '"lambda"', "≤ 1");
    refused(() => parseDetectorParams("bocpd", { threshold: 1 }), '"threshold"', "< 1");
    refused(() => parseDetectorParams("cusum", { warmup: 2.5 }), '"warmup"', "an integer");
    refused(() => parseDetectorParams("page-hinkley", { alpha: "x" }), '"alpha"', "a number");
  });

  it("refuses an unknown key, listing the detector's parameters", () => {
    refused(() => parseDetectorParams("cusum", { kk: 1 }), '"kk"', "k, h, warmup, mean, sd");
  });

  it("refuses a choice outside its set", () => {
    refused(
      () => parseDetectorParams("mann-kendall", { worsening: "sideways" }),
      '"worsening"',
      '"up", "down"',
    );
  });

  it("refuses an unknown detector, listing the detectors", () => {
    refused(() => runDetector("nope", [1, 2, 3]), '"nope"', detectorNames.join(", "));
  });

  it("refuses a value that is not finite, naming its index", () => {
    refused(() => runDetector("cusum", [1, 2, Number.NaN]), "index 2");
  });

  it("fills defaults, accepts numbers given as strings, and keeps an optional level null", () => {
    assert.deepEqual(parseDetectorParams("cusum", { k: "0.25" }), {
      k: 0.25,
      h: 5,
      warmup: 30,
      mean: null,
      sd: null,
    });
    assert.deepEqual(detectorDefaults("cusum"), { k: 0.5, h: 5, warmup: 30, mean: null, sd: null });
    assert.ok(detectorNames.includes(defaultDetectorName));
  });

  it("uses a given level at once, without warm-up", () => {
    const series = [0, 0, 0, 5, 5, 5];
    assert.deepEqual(runDetector("cusum", series, { mean: 0, sd: 1, h: 4 }).changePoints, [3]);
    assert.deepEqual(runDetector("cusum", series, { h: 4 }).changePoints, []);
  });
});

describe("mannKendall", () => {
  it("computes S, the tie-corrected variance and Sen's slope", () => {
    const rising = mannKendall([1, 2, 3, 4, 5], "up");
    assert.equal(rising.s, 10);
    assert.equal(rising.senSlope, 1);
    // Var(S) = 5·4·15/18 = 16.67, Z = (10 − 1)/√16.67 = 2.205, one-sided p = 0.0137.
    assert.ok(Math.abs(rising.z - 2.2045) < 1e-3, `z = ${rising.z}`);
    assert.ok(Math.abs(rising.p - 0.01374) < 1e-4, `p = ${rising.p}`);
    // Ties: [1, 1, 2] has S = 2 and Var(S) = (3·2·11 − 2·1·9)/18 = 2.667.
    const tied = mannKendall([1, 1, 2]);
    assert.equal(tied.s, 2);
    assert.ok(Math.abs(tied.z - 1 / Math.sqrt(48 / 18)) < 1e-9, `z = ${tied.z}`);
  });
});
