import { z } from "zod";

/**
 * The scheduler's section of the configuration: what lateness is worth (docs/scheduling.md, "The
 * price of lateness"). One global price, and prices for particular kinds of task and particular
 * ideas; a task takes its idea's price, else its kind's, else the global one. Prices are US dollars
 * per urgency-weighted minute late: an urgency-5 task late by one minute costs the price, an
 * urgency-10 task 11⁄6 of it, an urgency-0 one 1⁄6.
 */
const price = z.number().finite().min(0);

export const schedulerConfigSchema = z
  .strictObject({
    priceOfLateness: z
      .strictObject({
        /** US dollars per urgency-weighted minute late, for every task without a price of its own. */
        usdPerMinute: price.default(0.05),
        /** Kind → its price (an unknown kind stops start-up). */
        kinds: z.record(z.string().min(1), price).default({}),
        /** Idea key → its price (an idea not in the database stops start-up). */
        ideas: z.record(z.string().min(1), price).default({}),
      })
      .prefault({}),
  })
  .prefault({});

export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

export const defaultSchedulerConfig: SchedulerConfig = schedulerConfigSchema.parse({});

/** The price of lateness of a task: its idea's, else its kind's, else the global one. */
export function priceOfLatenessFor(
  config: SchedulerConfig,
  task: { kind: string; idea: string | null },
): number {
  const { usdPerMinute, kinds, ideas } = config.priceOfLateness;
  return (task.idea === null ? undefined : ideas[task.idea]) ?? kinds[task.kind] ?? usdPerMinute;
}

/**
 * Prices named for kinds this process does not know or ideas the database does not hold: each
 * problem names its key, as a configuration error does.
 */
export function unknownPriceTargets(
  config: SchedulerConfig,
  known: { kinds: readonly string[]; ideas: readonly string[] },
): { path: string; message: string }[] {
  const { kinds, ideas } = config.priceOfLateness;
  const kindSet = new Set(known.kinds);
  const ideaSet = new Set(known.ideas);
  return [
    ...Object.keys(kinds)
      .filter((kind) => !kindSet.has(kind))
      .map((kind) => ({
        path: `scheduler.priceOfLateness.kinds.${kind}`,
        message: `unknown kind "${kind}"; known kinds: ${known.kinds.join(", ")}`,
      })),
    ...Object.keys(ideas)
      .filter((idea) => !ideaSet.has(idea))
      .map((idea) => ({
        path: `scheduler.priceOfLateness.ideas.${idea}`,
        message: `no idea "${idea}" in the database (create it first, or remove its price)`,
      })),
  ];
}
