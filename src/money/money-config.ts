import { z } from "zod";
import { currencyDecimals } from "./currencies.ts";

const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "a three-letter ISO currency code")
  .transform((c) => c.toLowerCase());

/**
 * The `money` section: how amounts in different currencies may be put together. Never silently:
 * totals are per currency, and a converted total exists only through the rates given here (one
 * unit of the currency is worth `rate` units of `reportingCurrency`), which the user supplies and
 * answers for. A currency without a rate is left out of converted totals and named.
 */
export const moneyConfigSchema = z
  .strictObject({
    reportingCurrency: currencyCode.default("usd"),
    rates: z
      .record(
        z.string().regex(/^[A-Za-z]{3}$/, "keys are three-letter ISO currency codes"),
        z.number().positive().finite(),
      )
      .default({})
      .transform((rates) => Object.fromEntries(Object.entries(rates).map(([c, r]) => [c.toLowerCase(), r]))),
  })
  .prefault({});

export type MoneyConfig = z.infer<typeof moneyConfigSchema>;

/** The rate of `currency` in the reporting currency (1 for itself), or undefined when none is given. */
export function rateOf(config: MoneyConfig, currency: string): number | undefined {
  return currency === config.reportingCurrency ? 1 : config.rates[currency];
}

/**
 * An amount in `currency`'s minor unit, in the reporting currency's minor unit: through the main
 * units, since the two may count different decimals (¥900 at 0.0067 is 6.03 dollars, 603 cents).
 * Undefined when the currency has no rate.
 */
export function toReportingMinor(
  config: MoneyConfig,
  currency: string,
  amountMinor: number,
): number | undefined {
  const rate = rateOf(config, currency);
  if (rate === undefined) return undefined;
  const scale = 10 ** (currencyDecimals(config.reportingCurrency) - currencyDecimals(currency));
  return amountMinor * rate * scale;
}
