import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load-config.ts";
import { StewardError } from "../../src/errors.ts";
import { requireKnownPriceTargets } from "../../src/models/price-targets.ts";
import { priceOfLatenessFor, schedulerConfigSchema } from "../../src/scheduler/scheduler-config.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

/** The configuration error `loadConfig` throws for `scheduler.priceOfLateness` set to `value`. */
function refusal(priceOfLateness: unknown): string {
  try {
    loadConfig({ cwd: tempFolder("price"), env: {}, flags: { scheduler: { priceOfLateness } } });
  } catch (error) {
    assert.ok(error instanceof StewardError && error.code === "config_invalid", String(error));
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(priceOfLateness)}`);
}

describe("the price of lateness", () => {
  it("is a task's idea's price, else its kind's, else the global one", () => {
    const config = schedulerConfigSchema.parse({
      priceOfLateness: { usdPerMinute: 0.05, kinds: { llm: 0.2 }, ideas: { "pay-per-report": 1.5 } },
    });
    assert.equal(priceOfLatenessFor(config, { kind: "llm", idea: "pay-per-report" }), 1.5);
    assert.equal(priceOfLatenessFor(config, { kind: "llm", idea: "other" }), 0.2);
    assert.equal(priceOfLatenessFor(config, { kind: "noop", idea: null }), 0.05);
    assert.equal(schedulerConfigSchema.parse({}).priceOfLateness.usdPerMinute, 0.05);
  });

  it("refuses a negative or non-numeric price, naming the key", () => {
    assert.match(
      refusal({ usdPerMinute: -1 }),
      /"scheduler\.priceOfLateness\.usdPerMinute" .*>=0.*\(got -1\)/,
    );
    assert.match(
      refusal({ usdPerMinute: "cheap" }),
      /"scheduler\.priceOfLateness\.usdPerMinute" .*number.*\(got "cheap"\)/,
    );
    assert.match(
      refusal({ kinds: { llm: -0.5 } }),
      /"scheduler\.priceOfLateness\.kinds\.llm" .*\(got -0\.5\)/,
    );
    assert.match(refusal({ ideas: { x: null } }), /"scheduler\.priceOfLateness\.ideas\.x" .*number/);
    assert.match(refusal({ perHour: 3 }), /unknown key "perHour" in "scheduler\.priceOfLateness"/);
  });
});

describe(`the price of lateness on ${backend}: names only what exists`, () => {
  it("refuses a kind this process does not know and an idea the database does not hold, naming each key", async (t) => {
    const { db } = await createTestDatabase(t);
    const deps = await testDeps(db, {
      config: {
        scheduler: {
          priceOfLateness: { kinds: { llm: 0.2, lm: 0.3 }, ideas: { "pay-per-report": 1, ghost: 2 } },
        },
      },
    });
    await db.query("INSERT INTO ideas (key, title) VALUES ('pay-per-report', 'Pay per report')");
    await assert.rejects(requireKnownPriceTargets(deps), (error: unknown) => {
      assert.ok(error instanceof StewardError && error.code === "config_invalid");
      assert.match(
        error.message,
        /"scheduler\.priceOfLateness\.kinds\.lm": unknown kind "lm"; known kinds: .*llm/,
      );
      assert.match(
        error.message,
        /"scheduler\.priceOfLateness\.ideas\.ghost": no idea "ghost" in the database/,
      );
      assert.doesNotMatch(error.message, /kinds\.llm"|pay-per-report/);
      return true;
    });
    const fine = await testDeps(db, {
      migrate: false,
      config: { scheduler: { priceOfLateness: { kinds: { llm: 0.2 }, ideas: { "pay-per-report": 1 } } } },
    });
    await requireKnownPriceTargets(fine);
  });

  it("stops `steward worker` at start-up, naming the key", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDb.db.close();
    const cwd = tempFolder("price-worker");
    writeFileSync(
      path.join(cwd, "steward.config.json"),
      JSON.stringify({ scheduler: { priceOfLateness: { kinds: { implement_ideas: 0.5 } } } }),
    );
    const env = { STEWARD_DATABASE_URL: testDb.url };
    const migrated = await runCli(["migrate", "up"], { env, cwd });
    assert.equal(migrated.code, 0, migrated.stderr);
    const started = await runCli(["worker"], { env, cwd });
    assert.equal(started.code, 4, started.stderr);
    assert.match(
      started.stderr,
      /"scheduler\.priceOfLateness\.kinds\.implement_ideas": unknown kind "implement_ideas"/,
    );
  });
});
