import type { Command } from "commander";
import type { ModelStatus } from "../../models/model-status.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { renderTable } from "../render-table.ts";

/** `steward models`: every configured model with its live state (limits, cooldowns, spend, what was learned). */
export function registerModelsCommand(program: Command, io: CommandIo): void {
  program
    .command("models")
    .description("list models with their live state: load against limits, cooldowns, spend against budgets")
    .action(async (_opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "models", needsSchema: true }, async (client) => {
        const status = await client.models();
        if (options.json) return io.out(JSON.stringify(status));
        if (status.models.length === 0)
          return io.out(
            "No models are configured. Add providers and models to steward.config.json (see README, “Models”).",
          );
        io.out(renderModelsTable(status.models, tableWidth(io, options)));
        const ideas = Object.values(status.exhaustedIdeas);
        if (ideas.length > 0) io.out(`\nIdeas at their budget: ${ideas.join("; ")}`);
        const simulated = status.models.filter((m) => m.providerType === "sim").map((m) => m.id);
        if (simulated.length > 0)
          io.out(
            `\n${simulated.join(", ")}: simulated (provider type sim), for the demo and tests; no model is called.`,
          );
      });
    });
}

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
