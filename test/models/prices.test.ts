import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ModelConfig, modelConfigSchema, type PriceTable } from "../../src/models/model-config.ts";
import { costUsd, resolvePrice } from "../../src/models/prices.ts";

const tables: PriceTable[] = [
  {
    version: "2025-01",
    effectiveFrom: "2025-01-01",
    prices: {
      "openai/gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      "anthropic/claude-haiku": { inputPerMTok: 1, outputPerMTok: 5 },
    },
  },
  // Listed out of order on purpose: the date decides, not the position.
  {
    version: "2025-07",
    effectiveFrom: "2025-07-01",
    prices: { "openai/gpt-4o-mini": { inputPerMTok: 0.1, outputPerMTok: 0.4 } },
  },
  {
    version: "2025-04",
    effectiveFrom: "2025-04-01",
    prices: { "openai/gpt-4o-mini": { inputPerMTok: 0.12, outputPerMTok: 0.5 } },
  },
];

function model(provider: string, name: string, extra: Partial<ModelConfig> = {}): ModelConfig {
  return modelConfigSchema.parse({
    id: `${provider}-${name}`.replace(/[^a-z0-9.-]/g, "-"),
    provider,
    model: name,
    ...extra,
  });
}

describe("resolvePrice", () => {
  it("prefers the model's inline price to every table", () => {
    const inline = { inputPerMTok: 9, outputPerMTok: 9 };
    assert.deepEqual(
      resolvePrice(model("openai", "gpt-4o-mini", { price: inline }), tables, new Date("2025-08-01")),
      {
        price: inline,
        source: "inline",
      },
    );
  });

  it("takes the newest table in effect at the moment", () => {
    const mini = model("openai", "gpt-4o-mini");
    const at = (iso: string) => resolvePrice(mini, tables, new Date(iso))?.source;
    assert.equal(at("2025-02-15T00:00:00Z"), "2025-01");
    assert.equal(at("2025-05-01T00:00:00Z"), "2025-04");
    assert.equal(at("2025-12-31T23:59:59Z"), "2025-07");
    assert.deepEqual(resolvePrice(mini, tables, new Date("2025-07-02"))?.price, {
      inputPerMTok: 0.1,
      outputPerMTok: 0.4,
    });
  });

  it("starts a table at midnight UTC of its effective date", () => {
    const mini = model("openai", "gpt-4o-mini");
    assert.equal(resolvePrice(mini, tables, new Date("2025-06-30T23:59:59.999Z"))?.source, "2025-04");
    assert.equal(resolvePrice(mini, tables, new Date("2025-07-01T00:00:00.000Z"))?.source, "2025-07");
  });

  it("falls back to an older table when the newer ones do not list the model", () => {
    const haiku = model("anthropic", "claude-haiku");
    assert.deepEqual(resolvePrice(haiku, tables, new Date("2025-09-01")), {
      price: { inputPerMTok: 1, outputPerMTok: 5 },
      source: "2025-01",
    });
  });

  it("answers null when nothing prices the model, or no table is in effect yet", () => {
    assert.equal(resolvePrice(model("openai", "gpt-5"), tables, new Date("2025-09-01")), null);
    assert.equal(
      resolvePrice(model("openai", "gpt-4o-mini"), tables, new Date("2024-12-31T23:00:00Z")),
      null,
    );
    assert.equal(resolvePrice(model("openai", "gpt-4o-mini"), [], new Date("2025-09-01")), null);
  });

  it("matches the key provider/model exactly", () => {
    // Same model name under another provider id: not the same price.
    assert.equal(resolvePrice(model("openrouter", "gpt-4o-mini"), tables, new Date("2025-09-01")), null);
  });
});

describe("costUsd", () => {
  it("prices input and output tokens per million", () => {
    assert.equal(costUsd({ inputPerMTok: 0.15, outputPerMTok: 0.6 }, 1_000, 500), 0.00045);
    assert.equal(costUsd({ inputPerMTok: 3, outputPerMTok: 15 }, 1_000_000, 1_000_000), 18);
    assert.equal(costUsd({ inputPerMTok: 3, outputPerMTok: 15 }, 0, 0), 0);
  });

  it("rounds to 8 decimals, half away from zero, as numeric(18,8) stores it", () => {
    // 1 token at $0.125/M is $0.000000125: the 9th decimal is a 5, rounded up.
    assert.equal(costUsd({ inputPerMTok: 0.125, outputPerMTok: 0 }, 1, 0), 0.00000013);
    // $0.000000145 is computed as 14.499999999999998e-8: a naive Math.round(x * 1e8) gives 14.
    assert.equal(costUsd({ inputPerMTok: 0.145, outputPerMTok: 0 }, 1, 0), 0.00000015);
    // 1 token at $0.124/M rounds down.
    assert.equal(costUsd({ inputPerMTok: 0.124, outputPerMTok: 0 }, 1, 0), 0.00000012);
    // 3 tokens at $0.1/M is 3e-7, which floating point computes as 2.9999999999999997e-7.
    assert.equal(costUsd({ inputPerMTok: 0.1, outputPerMTok: 0 }, 3, 0), 0.0000003);
    // A value with more than 8 decimals never comes out.
    const cost = costUsd({ inputPerMTok: 0.37, outputPerMTok: 1.11 }, 12_345, 6_789);
    assert.equal(cost, 0.01210344);
    assert.equal(Number(cost.toFixed(8)), cost);
  });
});
