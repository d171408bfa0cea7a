import type { Clock } from "../clock.ts";
import type { Database } from "../db/database.ts";
import { syncAiUsageEntries } from "./ai-usage.ts";
import { lockDerivedEntries, syncExpenseEntries } from "./expenses.ts";

/**
 * Keeps the ledger's derived entries current: AI usage from the day rollups, and the expenses'
 * occurrences up to today. A workers' step, so that it runs wherever the workers run; one process
 * at a time (a transaction-scoped advisory lock), each time derived whole, so that running it
 * twice changes nothing.
 */
export function moneyStep(deps: { db: Database; clock: Clock }, everyMs = 60_000) {
  return {
    name: "money ledger upkeep",
    everyMs,
    run: async () => {
      await syncDerivedEntries(deps.db, deps.clock.now());
    },
  };
}

export async function syncDerivedEntries(
  db: Database,
  now: Date,
): Promise<{ aiUsage: number; expenses: number }> {
  return db.transaction(async (tx) => {
    await lockDerivedEntries(tx);
    return { aiUsage: await syncAiUsageEntries(tx), expenses: await syncExpenseEntries(tx, now) };
  });
}
