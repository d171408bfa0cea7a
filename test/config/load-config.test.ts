import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load-config.ts";
import { isStewardError } from "../../src/errors.ts";
import { tempFolder } from "../support/temp-folder.ts";

function folderWith(files: Record<string, string>): string {
  const dir = tempFolder("config");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const fails = (pattern: RegExp) => (error: unknown) =>
  isStewardError(error, "config_invalid") && pattern.test(error.message);

describe("configuration", () => {
  it("defaults to the embedded database in .steward/db of the folder it runs in, when no project is above", () => {
    const cwd = folderWith({});
    const { config, file, project } = loadConfig({ cwd, env: {} });
    assert.equal(config.database.url, `pglite:${path.join(cwd, ".steward", "db")}`);
    assert.deepEqual(project, { root: cwd, found: false });
    assert.equal(config.http.port, 4100);
    assert.equal(file, null);
  });

  it("finds the project's folder upwards, as git finds a repository, and resolves folders where they were given", () => {
    const root = folderWith({ "steward.config.yaml": "database:\n  url: pglite:./data/db\n" });
    const docs = path.join(root, "docs", "deep");
    mkdirSync(docs, { recursive: true });
    const fromDocs = loadConfig({ cwd: docs, env: {} });
    assert.deepEqual(fromDocs.project, { root, found: true });
    assert.equal(fromDocs.file, path.join(root, "steward.config.yaml"));
    assert.equal(
      fromDocs.config.database.url,
      `pglite:${path.join(root, "data", "db")}`,
      "relative to the file",
    );

    const byFlag = loadConfig({ cwd: docs, env: {}, flags: { database: { url: "pglite:./mine" } } });
    assert.equal(
      byFlag.config.database.url,
      `pglite:${path.join(docs, "mine")}`,
      "a flag is relative to cwd",
    );
    const byEnv = loadConfig({ cwd: docs, env: { STEWARD_DATABASE_URL: "pglite:here" } });
    assert.equal(byEnv.config.database.url, `pglite:${path.join(docs, "here")}`, "so is the environment");

    // A .steward folder alone marks a project too (what `steward start` leaves behind).
    const bare = folderWith({});
    mkdirSync(path.join(bare, ".steward"));
    mkdirSync(path.join(bare, "src"));
    const fromSrc = loadConfig({ cwd: path.join(bare, "src"), env: {} });
    assert.deepEqual(fromSrc.project, { root: bare, found: true });
    assert.equal(fromSrc.config.database.url, `pglite:${path.join(bare, ".steward", "db")}`);
  });

  it("layers defaults → file → environment → flags", () => {
    const cwd = folderWith({
      "steward.config.yaml":
        "database:\n  url: pglite:./from-file\n  poolSize: 3\nhttp:\n  port: 5000\nlog:\n  level: debug\n",
    });
    const { config, file } = loadConfig({
      cwd,
      env: { STEWARD_HTTP_PORT: "6000", STEWARD_DATABASE_URL: "postgres://env@db/x" },
      flags: { database: { url: "pglite:memory" } },
    });
    assert.equal(path.basename(file!), "steward.config.yaml");
    assert.equal(config.database.url, "pglite:memory", "flag beats environment");
    assert.equal(config.http.port, 6000, "environment beats file");
    assert.equal(config.database.poolSize, 3, "file beats default");
    assert.equal(config.log.level, "debug");
    assert.equal(config.database.connect.attempts, 6, "untouched defaults stay");
  });

  it("reads Stripe's webhook secrets from the environment, comma-separated, and the file's when it sets none", () => {
    const cwd = folderWith({
      "steward.config.json": JSON.stringify({ stripe: { webhookSecrets: ["whsec_file"] } }),
    });
    const fromEnv = loadConfig({ cwd, env: { STEWARD_STRIPE_WEBHOOK_SECRET: " whsec_new, whsec_old ,," } });
    assert.deepEqual(
      fromEnv.config.stripe.webhookSecrets,
      ["whsec_new", "whsec_old"],
      "the environment beats the file",
    );
    assert.equal(fromEnv.config.stripe.toleranceSeconds, 300);
    assert.deepEqual(loadConfig({ cwd, env: {} }).config.stripe.webhookSecrets, ["whsec_file"]);
  });

  it("names an unknown key, the file it is in, and the allowed keys", () => {
    const cwd = folderWith({ "steward.config.json": JSON.stringify({ database: { uri: "x" } }) });
    assert.throws(
      () => loadConfig({ cwd, env: {} }),
      fails(
        /steward\.config\.json: unknown key "uri" in "database"; allowed keys are: url, poolSize, connect/,
      ),
    );
    const top = folderWith({ "steward.config.json": JSON.stringify({ wrokers: 3 }) });
    assert.throws(
      () => loadConfig({ cwd: top, env: {} }),
      fails(/unknown key "wrokers"; allowed keys are: database, http, tasks, workers, demo, log/),
    );
  });

  it("names a bad value, where it came from, and what is allowed", () => {
    assert.throws(
      () => loadConfig({ cwd: folderWith({}), env: { STEWARD_HTTP_PORT: "eighty" } }),
      fails(/environment variable STEWARD_HTTP_PORT: "http.port" .*expected number.*\(got "eighty"\)/),
    );
    const cwd = folderWith({ "steward.config.json": JSON.stringify({ log: { level: "loud" } }) });
    assert.throws(
      () => loadConfig({ cwd, env: {} }),
      fails(/steward\.config\.json: "log\.level" .*"trace"\|"debug"/),
    );
  });

  it("refuses a malformed target, naming its key and what is allowed", () => {
    const targets = [
      { stage: "Implement Ideas", avgDurationMs: 120_000 },
      { kind: "noop", window: "2h", p95DurationMs: 3_000 },
      { stage: "Self-Improvement", p95DurationMs: "3s" },
      { successRate: 1.5 },
      { stage: "Idea Implementation" },
      { stage: "Implement Ideas", avgDurationMs: 60_000 },
    ];
    const cwd = folderWith({ "steward.config.json": JSON.stringify({ telemetry: { targets } }) });
    const error = (() => {
      try {
        loadConfig({ cwd, env: {} });
      } catch (thrown) {
        return thrown;
      }
    })();
    assert.ok(isStewardError(error, "config_invalid"), String(error));
    for (const pattern of [
      /steward\.config\.json: "telemetry\.targets\[1\]\.window" .*"5m"\|"15m"\|"30m"\|"1h".*\(got "2h"\)/,
      /"telemetry\.targets\[2\]\.p95DurationMs" .*expected number.*\(got "3s"\)/,
      /"telemetry\.targets\[3\]\.successRate" .*<=1 \(got 1\.5\)/,
      /"telemetry\.targets\[3\]" names neither a stage nor a kind/,
      /"telemetry\.targets\[4\]" sets no measure: give at least one of avgDurationMs, p95DurationMs, successRate, queueWaitP95Ms, costPerSuccessUsd/,
    ])
      assert.match(error.message, pattern);
    const twice = folderWith({
      "steward.config.json": JSON.stringify({ telemetry: { targets: [targets[0], targets[5]] } }),
    });
    assert.throws(
      () => loadConfig({ cwd: twice, env: {} }),
      fails(/"telemetry\.targets\[1\]" covers the same stage, kind and window as telemetry\.targets\[0\]/),
    );
    const unknown = folderWith({
      "steward.config.json": JSON.stringify({ telemetry: { targets: [{ stage: "x", p99DurationMs: 1 }] } }),
    });
    assert.throws(
      () => loadConfig({ cwd: unknown, env: {} }),
      fails(
        /unknown key "p99DurationMs" in "telemetry\.targets\[0\]"; allowed keys are: stage, kind, window, avgDurationMs/,
      ),
    );
    const fine = folderWith({
      "steward.config.json": JSON.stringify({ telemetry: { targets: [targets[0]] } }),
    });
    const { config } = loadConfig({ cwd: fine, env: {} });
    const { alerts, minuteRollupDays, ...rest } = config.telemetry;
    assert.deepEqual(rest, {
      targets: [{ stage: "Implement Ideas", window: "1h", avgDurationMs: 120_000 }],
      evaluateEveryMs: 60_000,
    });
    assert.equal(alerts.detector, "cusum", "alerts on trend change are on by default, with CUSUM");
    assert.equal(minuteRollupDays, 7);
    const badAlerts = folderWith({
      "steward.config.json": JSON.stringify({
        telemetry: { alerts: { detector: "crystal-ball", webhook: { url: "ftp://example.test/x" } } },
      }),
    });
    assert.throws(
      () => loadConfig({ cwd: badAlerts, env: {} }),
      fails(/"telemetry\.alerts\.detector" must be one of: .*cusum/),
    );
    assert.throws(() => loadConfig({ cwd: badAlerts, env: {} }), fails(/"telemetry\.alerts\.webhook\.url"/));
  });

  it("names what is wrong in the models: a missing provider, an unknown key, a bad value, a missing price", () => {
    const cwd = folderWith({
      "steward.config.yaml": [
        "providers:",
        "  - { id: sim, type: sim }",
        "models:",
        "  - { id: a, provider: nowhere, model: x, price: { inputPerMTok: 1, outputPerMTok: 1 } }",
        "  - { id: b, provider: sim, model: y, concurrency: 0, colour: red }",
        "  - { id: c, provider: sim, model: z, fallback: [ghost] }",
      ].join("\n"),
    });
    assert.throws(
      () => loadConfig({ cwd, env: {} }),
      (error: unknown) => {
        assert.ok(isStewardError(error, "config_invalid"));
        const text = error.message;
        assert.match(
          text,
          /unknown key "colour" in "models\[1\]"; allowed keys are: id, provider, model, capabilities/,
        );
        assert.match(text, /steward\.config\.yaml: "models\[1\]\.concurrency" .*(>=|at least) ?1.*\(got 0\)/);
        return true;
      },
    );
    const fixed = folderWith({
      "steward.config.yaml": [
        "providers:",
        "  - { id: sim, type: sim }",
        "models:",
        "  - { id: a, provider: nowhere, model: x, price: { inputPerMTok: 1, outputPerMTok: 1 } }",
        "  - { id: c, provider: sim, model: z, fallback: [ghost] }",
      ].join("\n"),
    });
    assert.throws(
      () => loadConfig({ cwd: fixed, env: {} }),
      fails(
        /"models\[0\]\.provider" names provider "nowhere", which is not configured; configured providers: sim[\s\S]*"models\[1\]\.fallback\[0\]" names model "ghost"[\s\S]*"models\[1\]\.price" is missing/,
      ),
    );
  });

  it("refuses unknown STEWARD_ variables (a typo would otherwise be ignored) but not STEWARD_TEST_", () => {
    assert.throws(
      () => loadConfig({ cwd: folderWith({}), env: { STEWARD_DATABSE_URL: "x" } }),
      fails(/Unknown environment variable STEWARD_DATABSE_URL; Steward reads: .*STEWARD_DATABASE_URL/),
    );
    assert.doesNotThrow(() => loadConfig({ cwd: folderWith({}), env: { STEWARD_TEST_DATABASE_URL: "x" } }));
  });

  it("reports syntax errors, a missing --config file, and two config files at once", () => {
    assert.throws(
      () => loadConfig({ cwd: folderWith({ "steward.config.json": "{ nope" }), env: {} }),
      fails(/steward\.config\.json is not valid JSON/),
    );
    assert.throws(
      () => loadConfig({ cwd: folderWith({}), file: "missing.yaml", env: {} }),
      fails(/missing\.yaml does not exist/),
    );
    const both = folderWith({ "steward.config.json": "{}", "steward.config.yaml": "{}" });
    assert.throws(() => loadConfig({ cwd: both, env: {} }), fails(/Several configuration files found/));
  });
});
