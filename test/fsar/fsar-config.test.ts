import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { configSchema } from "../../src/config/config-schema.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { isStewardError } from "../../src/errors.ts";
import { type DueFacts, reportDue } from "../../src/fsar/fsar-step.ts";
import { tempFolder } from "../support/temp-folder.ts";

const withFile = (config: unknown) => {
  const cwd = tempFolder("fsar-config");
  writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify(config));
  return cwd;
};
const fails = (pattern: RegExp) => (error: unknown) =>
  isStewardError(error, "config_invalid") && pattern.test(error.message);

describe("the fsar configuration", () => {
  it("a malformed schedule or rubric stops start-up naming the key", () => {
    assert.throws(
      () => loadConfig({ cwd: withFile({ fsar: { schedule: "every hour" } }), env: {} }),
      fails(/fsar\.schedule.*is not a cron expression/s),
    );
    assert.throws(
      () =>
        loadConfig({ cwd: withFile({ fsar: { rubric: { "schema.dropped": { severity: 3 } } } }), env: {} }),
      fails(/fsar\.rubric\.schema\.dropped.*is not a finding code; the codes are schema\.missing_object/s),
    );
    assert.throws(
      () =>
        loadConfig({ cwd: withFile({ fsar: { rubric: { "schema.drift": { severity: 11 } } } }), env: {} }),
      fails(/fsar\.rubric\.schema\.drift\.severity/),
    );
    assert.throws(
      () =>
        loadConfig({ cwd: withFile({ fsar: { rubric: { "schema.drift": { blocks: true } } } }), env: {} }),
      fails(/blocks/),
    );
    const ok = loadConfig({
      cwd: withFile({ fsar: { schedule: null, rubric: { "schema.drift": { blocking: true } } } }),
      env: {},
    });
    assert.equal(ok.config.fsar.schedule, null);
    assert.equal(ok.config.fsar.rubric["schema.drift"]!.blocking, true);
  });
});

describe("when a report is due", () => {
  const config = configSchema.parse({}).fsar;
  const at = (iso: string) => new Date(iso);
  const facts = (over: Partial<DueFacts>): DueFacts => ({
    now: at("2026-12-03T10:31:00Z"),
    lastScheduled: at("2026-12-03T10:00:05Z"),
    lastTriggered: null,
    since: at("2026-12-03T09:00:00Z"),
    bursts: [],
    newAlerts: [],
    ...over,
  });

  it("on the schedule's next tick after the last scheduled report", () => {
    assert.equal(reportDue(config, facts({})), "schedule", "10:30 came after the 10:00 report");
    assert.equal(reportDue(config, facts({ now: at("2026-12-03T10:29:59Z") })), null);
    assert.equal(
      reportDue(config, facts({ lastScheduled: null, since: at("2026-12-03T10:29:00Z") })),
      "schedule",
      "a first one at the first tick after the process began",
    );
    assert.equal(reportDue({ ...config, schedule: null }, facts({})), null);
  });

  it("triggered by a burst or an alert, at most once within the interval: a storm makes one report", () => {
    const quiet = { ...config, schedule: null };
    const storm = facts({ bursts: [{ sqlState: "42703", count: 500 }] });
    assert.match(reportDue(quiet, storm) ?? "", /^trigger: 500 database errors of SQLSTATE 42703/);
    assert.equal(
      reportDue(quiet, { ...storm, lastTriggered: at("2026-12-03T10:25:00Z") }),
      null,
      "6 minutes after the last",
    );
    assert.match(
      reportDue(quiet, { ...storm, lastTriggered: at("2026-12-03T10:20:00Z") }) ?? "",
      /^trigger:/,
      "11 minutes after",
    );
    assert.equal(
      reportDue(quiet, facts({ bursts: [{ sqlState: "42703", count: 19 }] })),
      null,
      "below the burst",
    );
    assert.match(
      reportDue(quiet, facts({ newAlerts: [{ indicator: "error_rate", message: "error rate rose" }] })) ?? "",
      /^trigger: alert opened: error rate rose/,
    );
    assert.equal(
      reportDue(
        { ...quiet, triggers: { ...quiet.triggers, alerts: false } },
        facts({ newAlerts: [{ indicator: "x", message: "y" }] }),
      ),
      null,
    );
    // A storm of 1,000 checks, each a minute apart with a burst every time: one report each 10 minutes.
    let last: Date | null = null;
    let written = 0;
    for (let minute = 0; minute < 1_000; minute++) {
      const now = new Date(at("2026-12-03T00:00:00Z").getTime() + minute * 60_000);
      if (reportDue(quiet, facts({ now, lastTriggered: last, bursts: [{ sqlState: "53100", count: 99 }] }))) {
        written += 1;
        last = now;
      }
    }
    assert.equal(written, 100);
  });
});
