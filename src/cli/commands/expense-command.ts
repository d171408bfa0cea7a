import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import { formatMinor } from "../../money/currencies.ts";
import type { Expense } from "../../money/expenses.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { readTextFile } from "../read-text-file.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

interface AddOptions {
  name: string;
  amount: string;
  currency: string;
  every?: string;
  from: string;
  until?: string;
  category?: string;
  idea?: string;
  stream?: string;
}

/** `steward expense …`: expenses in the ledger (hosting, tools, people), one-off or recurring. */
export function registerExpenseCommand(program: Command, io: CommandIo): void {
  const expense = program.command("expense").description("expenses: one-off or recurring, in the ledger");
  expense
    .command("add")
    .description("record an expense; its occurrences up to today enter the ledger")
    .requiredOption("--name <name>", "what it is (Hosting, Design tool, …)")
    .requiredOption("--amount <amount>", "in the currency's main unit: 49.00 (USD), 5000 (JPY)")
    .requiredOption("--currency <code>", "usd, eur, jpy, …")
    .requiredOption("--from <date>", "the first (or only) day it is paid, YYYY-MM-DD")
    .option("--every <period>", "once (default), week, month or year")
    .option("--until <date>", "the last day a recurring expense runs, YYYY-MM-DD")
    .option("--category <category>", "hosting, tools, people, marketing, … (default other)")
    .option("--idea <idea>", "the idea it is spent on (its key)")
    .option("--stream <stream>", "the income stream it is spent on")
    .action(async (opts: AddOptions, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "expense add", needsSchema: true }, async (client) => {
        const [added] = await client.addExpenses([{ ...opts }]);
        if (options.json) return io.out(JSON.stringify({ expense: added }));
        io.out(`Expense ${added!.id} recorded: ${describe(added!)}.`);
      });
    });
  expense
    .command("list")
    .description("the expenses recorded, newest first")
    .action(async (_opts: unknown, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "expense list", needsSchema: true }, async (client) => {
        const expenses = await client.listExpenses();
        if (options.json) return io.out(JSON.stringify({ expenses }));
        if (expenses.length === 0)
          return io.out(
            "No expense is recorded. steward expense add, or import a CSV with steward expense import.",
          );
        io.out(renderExpensesTable(expenses, tableWidth(io, options)));
      });
    });
  expense
    .command("remove <ids...>")
    .description("remove expenses by id; their entries leave the ledger")
    .action(async (ids: string[], _opts: unknown, command: Command) => {
      const options = globalOptions(command);
      const numbers = ids.map((id) => {
        if (!/^[1-9]\d{0,15}$/.test(id))
          throw new StewardError(
            "validation_failed",
            `"${id}" is not an expense id (a positive whole number).`,
          );
        return Number(id);
      });
      await withClient(options, { command: "expense remove", needsSchema: true }, async (client) => {
        const result = await client.removeExpenses(numbers);
        if (options.json) return io.out(JSON.stringify(result));
        if (result.removed.length) io.out(`Removed expense ${result.removed.join(", ")}.`);
        if (result.missing.length) io.err(`No expense ${result.missing.join(", ")} (or removed already).`);
      });
    });
  expense
    .command("import <file>")
    .description(
      "expenses from a CSV with a header row (name, category, amount, currency, every, from, until, idea, stream); a bad row imports nothing unless --skip-bad-rows",
    )
    .option("--skip-bad-rows", "import the good rows and report the bad ones")
    .action(async (file: string, opts: { skipBadRows?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const text = readTextFile(file);
      await withClient(options, { command: "expense import", needsSchema: true }, async (client) => {
        const result = await client.importExpenses(text, opts.skipBadRows);
        if (options.json) return io.out(JSON.stringify(result));
        io.out(`Imported ${result.added} expenses from ${file}.`);
        for (const b of result.bad) io.err(`skipped line ${b.line}, column ${b.column}: ${b.message}`);
      });
    });
}

function describe(e: Jsonified<Expense>): string {
  const when =
    e.every === "once"
      ? `on ${e.startsOn}`
      : `every ${e.every} from ${e.startsOn}${e.endsOn ? ` until ${e.endsOn}` : ""}`;
  return `${e.name} (${e.category}), ${formatMinor(e.amountMinor, e.currency)} ${when}`;
}

export function renderExpensesTable(expenses: Jsonified<Expense>[], width?: number): string {
  return renderTable(
    ["id", "name", "category", "amount", "every", "from", "until", "idea", "stream"],
    expenses.map((e) => [
      e.id,
      e.name,
      e.category,
      formatMinor(e.amountMinor, e.currency),
      e.every,
      e.startsOn,
      e.endsOn ?? "",
      e.idea ?? "",
      e.stream ?? "",
    ]),
    { width },
  );
}
