import { systemClock } from "../clock.ts";
import { StewardError } from "../errors.ts";
import type { BudgetConfig, ModelConfig, Price, PriceTable, ProviderConfig } from "./model-config.ts";
import { resolvePrice } from "./prices.ts";
import { createModelClient } from "./providers/create-model-client.ts";
import type { ModelClient } from "./providers/provider-types.ts";

/** The configuration sections the registry is made from. */
export interface ModelSettings {
  providers: ProviderConfig[];
  models: ModelConfig[];
  prices: PriceTable[];
  budgets: BudgetConfig[];
}

export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks what one field's schema cannot: ids unique, each model's provider configured, its
 * fallbacks known, a simulator profile only on a `sim` provider, a price for every model (inline
 * or in a price table in effect today), budgets naming configured providers. "Today" is `at`: the
 * configuration is checked once, at start, before any Deps (and their clock) exist.
 */
export function checkModelConfig(settings: ModelSettings, at: Date = systemClock.now()): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const providers = new Map<string, ProviderConfig>();
  settings.providers.forEach((provider, i) => {
    if (providers.has(provider.id))
      problems.push({ path: ["providers", i, "id"], message: `provider id "${provider.id}" is used twice` });
    providers.set(provider.id, provider);
    if (provider.type === "openai-compatible" && provider.baseUrl === undefined)
      problems.push({
        path: ["providers", i, "baseUrl"],
        message: `is required for an openai-compatible provider (the server's URL, such as http://127.0.0.1:11434/v1)`,
      });
  });
  const modelIds = new Set(settings.models.map((m) => m.id));
  const seen = new Set<string>();
  settings.models.forEach((model, i) => {
    if (seen.has(model.id))
      problems.push({ path: ["models", i, "id"], message: `model id "${model.id}" is used twice` });
    seen.add(model.id);
    const provider = providers.get(model.provider);
    if (provider === undefined) {
      const known = [...providers.keys()];
      problems.push({
        path: ["models", i, "provider"],
        message: `names provider "${model.provider}", which is not configured; configured providers: ${known.length ? known.join(", ") : "none (add one under providers)"}`,
      });
    } else if (model.sim !== undefined && provider.type !== "sim") {
      problems.push({
        path: ["models", i, "sim"],
        message: `is only for models of a sim provider; provider "${provider.id}" is ${provider.type}`,
      });
    }
    model.fallback.forEach((fallback, j) => {
      if (!modelIds.has(fallback))
        problems.push({
          path: ["models", i, "fallback", j],
          message: `names model "${fallback}", which is not configured; models: ${[...modelIds].join(", ")}`,
        });
      else if (fallback === model.id)
        problems.push({ path: ["models", i, "fallback", j], message: "a model cannot be its own fallback" });
    });
    if (resolvePrice(model, settings.prices, at) === null)
      problems.push({
        path: ["models", i, "price"],
        message: `is missing: give { inputPerMTok, outputPerMTok }, or add "${model.provider}/${model.model}" to a price table in effect today`,
      });
  });
  settings.budgets.forEach((budget, i) => {
    if (budget.scope === "provider" && !providers.has(budget.id))
      problems.push({
        path: ["budgets", i, "id"],
        message: `names provider "${budget.id}", which is not configured`,
      });
    if (budget.dailyUsd === undefined && budget.monthlyUsd === undefined)
      problems.push({ path: ["budgets", i], message: "sets no cap: give dailyUsd, monthlyUsd or both" });
  });
  return problems;
}

/** A configured model with what Steward needs at hand: its provider and today's price. */
export interface RegisteredModel {
  config: ModelConfig;
  provider: ProviderConfig;
  price: Price;
  /** Where the price came from: "inline" or a price table's version. */
  priceSource: string;
}

/**
 * The models Steward may send tasks to, from configuration (checked by checkModelConfig at
 * start). Clients to providers are made on first use, so that a provider whose API key is
 * missing only fails the tasks sent to it, with an error that names the variable.
 */
export class ModelRegistry {
  readonly #models = new Map<string, RegisteredModel>();
  readonly #clients = new Map<string, ModelClient>();
  readonly settings: ModelSettings;

  /** `at`: the day whose prices apply (price tables are dated), when the registry is made at start. */
  constructor(settings: ModelSettings, at: Date = systemClock.now()) {
    this.settings = settings;
    const providers = new Map(settings.providers.map((p) => [p.id, p]));
    for (const config of settings.models) {
      const provider = providers.get(config.provider);
      const price = resolvePrice(config, settings.prices, at);
      if (provider === undefined || price === null) {
        const problems = checkModelConfig(settings, at).map((p) => `${p.path.join(".")} ${p.message}`);
        throw new StewardError(
          "config_invalid",
          `Invalid model configuration:\n  - ${problems.join("\n  - ")}`,
          {
            details: { problems },
          },
        );
      }
      this.#models.set(config.id, { config, provider, price: price.price, priceSource: price.source });
    }
  }

  get(id: string): RegisteredModel | undefined {
    return this.#models.get(id);
  }

  all(): RegisteredModel[] {
    return [...this.#models.values()];
  }

  enabled(): RegisteredModel[] {
    return this.all().filter((m) => m.config.enabled);
  }

  /** The client that calls this model's provider (one per provider, made on first use). */
  clientFor(model: RegisteredModel): ModelClient {
    let client = this.#clients.get(model.provider.id);
    if (client === undefined) {
      client = createModelClient(model.provider);
      this.#clients.set(model.provider.id, client);
    }
    return client;
  }

  /** Budgets that apply to a provider's models together. */
  providerBudget(providerId: string): BudgetConfig | undefined {
    return this.settings.budgets.find((b) => b.scope === "provider" && b.id === providerId);
  }

  ideaBudgets(): BudgetConfig[] {
    return this.settings.budgets.filter((b) => b.scope === "idea");
  }

  /**
   * Whose spend assignment must read: the models with a budget of their own or their provider's,
   * and the ideas with a budget. Nobody's when no budget is configured.
   */
  budgeted(): SpendScopes {
    return {
      models: this.all()
        .filter(
          (m) =>
            m.config.dailyBudgetUsd !== undefined ||
            m.config.monthlyBudgetUsd !== undefined ||
            this.providerBudget(m.provider.id) !== undefined,
        )
        .map((m) => m.config.id),
      ideas: this.ideaBudgets().map((b) => b.id),
    };
  }
}

/** The models and ideas whose spend to read; `models: null` is every model. */
export interface SpendScopes {
  models: string[] | null;
  ideas: string[];
}
