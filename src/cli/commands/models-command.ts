import type { Command } from "commander";
import type { ModelStatus } from "../../models/model-status.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { renderCurves } from "../render-curves.ts";
import { renderTable } from "../render-table.ts";

/**
 * `steward models`: every configured model with its live state (limits, cooldowns, spend, what
 * was learned); `steward models curves`: the success curves the scheduler learned of each.
 */
export function registerModelsCommand(program: Command, io: CommandIo): void {
  const models = program
    .command("models")
    .description("the models: their live state (the default), or the success curves learned of them");
  models
    .command("list", { isDefault: true })
    .description("list models with their live state: load against limits, cooldowns, spend against budgets")
    .action(async (_opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "models", needsSchema: true }, async (client) => {
        const status = await client.models();
        if (options.json) return io.out(JSON.stringify(status));
        if (status.models.length === 0) return io.out(noModels);
        io.out(renderModelsTable(status.models, tableWidth(io, options)));
        const ideas = Object.values(status.exhaustedIdeas);
        if (ideas.length > 0) io.out(`\nIdeas at their budget: ${ideas.join("; ")}`);
        const simulated = status.models.filter((m) => m.providerType === "sim").map((m) => m.id);
        if (simulated.length > 0)
          io.out(
            `\n${simulated.join(", ")}: simulated (provider type sim), for the demo and tests; no model is called.`,
          );
        io.out("`steward models curves` shows the success the scheduler learned of each model.");
      });
    });
  models
    .command("curves")
    .description(
      "the success curves learned per model and capability, against the prior, and the kinds that differ",
    )
    .action(async (_opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "models curves", needsSchema: true }, async (client) => {
        const status = await client.models();
        if (options.json)
          return io.out(
            JSON.stringify({
              at: status.at,
              models: status.models.map((m) => ({
                id: m.id,
                capabilities: m.capabilities,
                successCurves: m.successCurves,
                kindCorrections: m.kindCorrections,
              })),
            }),
          );
        if (status.models.length === 0) return io.out(noModels);
        io.out(renderCurves(status.models, tableWidth(io, options)));
      });
    });
}

const noModels =
  "No models are configured. Add providers and models to steward.config.json (see README, “Models”).";

const money = (usd: number) => `$${usd < 10 ? usd.toFixed(4) : usd.toFixed(2)}`;

export function renderModelsTable(models: ModelStatus[], width?: number): string {
  return renderTable(
    [
      "model",
      "provider",
      "state",
      "running",
      "req/min",
      "tok/min",
      "today",
      "month",
      "$/Mtok in/out",
      "p50 ms",
      "success",
      "capabilities",
    ],
    models.map((m) => [
      m.id,
      `${m.provider} (${m.providerType})`,
      m.state === "cooling down" && m.cooldown
        ? `cooling down until ${m.cooldown.until.slice(11, 19)}`
        : m.state,
      `${m.inFlight}/${m.concurrency}`,
      `${m.requestsLastMinute}/${m.requestsPerMinute ?? "∞"}`,
      `${m.tokensLastMinute}/${m.tokensPerMinute ?? "∞"}`,
      `${money(m.spend.todayUsd)}${m.spend.dailyBudgetUsd === null ? "" : ` of ${money(m.spend.dailyBudgetUsd)}`}`,
      `${money(m.spend.monthUsd)}${m.spend.monthlyBudgetUsd === null ? "" : ` of ${money(m.spend.monthlyBudgetUsd)}`}`,
      `${m.price.inputPerMTok}/${m.price.outputPerMTok}`,
      m.lastHour.p50LatencyMs ?? "",
      m.lastHour.calls === 0
        ? ""
        : `${Math.round((100 * m.lastHour.succeeded) / m.lastHour.calls)}% of ${m.lastHour.calls}`,
      Object.entries(m.capabilities)
        .map(([skill, level]) => `${skill} ${level}`)
        .join(", "),
    ]),
    { width },
  );
}
