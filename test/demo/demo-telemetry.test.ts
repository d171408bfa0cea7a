import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { effectiveConfig, modelSettings } from "../../src/app/open-steward.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { demoKinds } from "../../src/demo/demo-kinds.ts";
import { demoDrift } from "../../src/demo/demo-models.ts";
import { demoAlertSettings, demoTargets } from "../../src/demo/demo-telemetry.ts";
import { simProfileSchema } from "../../src/models/model-config.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { telemetryConfigSchema } from "../../src/telemetry/telemetry-config.ts";

const defaults = configSchema.parse({});

describe("the demo's telemetry", () => {
  it("comes with the demo's pool: a target for each demo stage, quick alerts, and one drifting model", () => {
    const config = effectiveConfig(defaults, "pglite");
    assert.deepEqual(config.telemetry.targets, demoTargets);
    assert.deepEqual(
      new Set(config.telemetry.targets.map((t) => t.stage)),
      new Set(demoKinds.map((k) => k.defaults?.stage)),
      "every demo stage has a target",
    );
    assert.equal(config.telemetry.evaluateEveryMs, 15_000);
    assert.deepEqual(config.telemetry.alerts, demoAlertSettings);
    // What the user would have written passes the configuration's own checks.
    assert.deepEqual(telemetryConfigSchema.parse(config.telemetry), config.telemetry);

    const registry = new ModelRegistry(modelSettings(defaults, "pglite"));
    const drifting = registry
      .all()
      .filter(({ config: model }) => model.sim?.drift !== undefined)
      .map(({ config: model, provider }) => [model.id, provider.type, model.sim!.drift]);
    assert.deepEqual(drifting, [["sim-medium", "sim", simProfileSchema.shape.drift.parse(demoDrift)]]);
    // Early enough to be seen within five minutes, with the alerts' warm-up before it.
    assert.ok(demoDrift.afterMs <= 180_000 && demoDrift.latencyFactor > 1 && demoDrift.failureRate > 0.03);
    assert.ok(demoAlertSettings.minPoints <= 5 && demoAlertSettings.evaluateEveryMs <= 30_000);
  });

  it("leaves what the user configured: their targets and alerts, and everything once real models are configured", () => {
    const own = configSchema.parse({
      telemetry: {
        targets: [{ stage: "Implement Ideas", avgDurationMs: 60_000 }],
        alerts: { lookbackMinutes: 120 },
      },
    });
    const config = effectiveConfig(own, "pglite");
    assert.deepEqual(config.telemetry, own.telemetry);

    const real = configSchema.parse({
      providers: [{ id: "local", type: "openai-compatible", baseUrl: "http://localhost:8080/v1" }],
      models: [
        { id: "local-model", provider: "local", model: "m", price: { inputPerMTok: 0, outputPerMTok: 0 } },
      ],
    });
    assert.equal(effectiveConfig(real, "pglite"), real);
    assert.equal(effectiveConfig(defaults, "postgres"), defaults, "the demo is off on PostgreSQL by default");
  });
});
