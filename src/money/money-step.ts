import type { Clock } from "../clock.ts";
import type { Database } from "../db/database.ts";
import { syncAiUsageEntries } from "./ai-usage.ts";
import { lockDerivedEntries, syncExpenseEntries } from "./expenses.ts";

const dayMs = 86_400_000;

/**
 * Keeps the ledger's derived entries current: AI usage from the day rollups (the whole history
 * once when it starts, then only the last two days, whose rollups can still grow), and the
 * expenses' occurrences up to today. A workers' step, so that it runs wherever the workers run;
 * one process at a time (a transaction-scoped advisory lock); running it twice changes nothing.
 */
export function moneyStep(deps: { db: Database; clock: Clock }, everyMs = 60_000) {
  let caughtUp = false;
  return {
    name: "money ledger upkeep",
    everyMs,
    run: async () => {
      const now = deps.clock.now();
      const yesterday = new Date(Math.floor(now.getTime() / dayMs) * dayMs - dayMs);
      await syncDerivedEntries(deps.db, now, caughtUp ? yesterday : undefined);
      caughtUp = true;
    },
  };
}

/** AI usage from `aiSince` (every day without it), and every expense's occurrences up to `now`. */
export async function syncDerivedEntries(
  db: Database,
  now: Date,
  aiSince?: Date,
): Promise<{ aiUsage: number; expenses: number }> {
  return db.transaction(async (tx) => {
    await lockDerivedEntries(tx);
    return {
      aiUsage: await syncAiUsageEntries(tx, aiSince),
      expenses: await syncExpenseEntries(tx, now),
    };
  });
}
