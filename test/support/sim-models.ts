import type { ConfigInput } from "../../src/config/config-schema.ts";

/**
 * The smallest model configuration a test needs: one simulated model (provider type sim, a
 * declared simulator) that can write, at no cost. Tests that need other models say so themselves.
 */
export function oneSimWriter(model: Record<string, unknown> = {}): Pick<ConfigInput, "providers" | "models"> {
  return {
    providers: [{ id: "sim", type: "sim" }],
    models: [
      {
        id: "sim-writer",
        provider: "sim",
        model: "writer",
        price: { inputPerMTok: 0, outputPerMTok: 0 },
        capabilities: { writing: 5 },
        ...model,
      } as NonNullable<ConfigInput["models"]>[number],
    ],
  };
}
