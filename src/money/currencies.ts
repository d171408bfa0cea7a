/**
 * How many decimals Stripe counts in each currency's amounts. Amounts are integers in the
 * currency's minor unit, except Stripe's zero-decimal currencies, whose amounts are in the main
 * unit (¥5000 is 5000), and its three-decimal ones (1.500 KWD is 1500). Stripe's list:
 * docs.stripe.com/currencies.
 */
const zeroDecimal = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);
const threeDecimal = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

export function currencyDecimals(currency: string): number {
  const c = currency.toLowerCase();
  return zeroDecimal.has(c) ? 0 : threeDecimal.has(c) ? 3 : 2;
}

/** An amount in minor units as a person reads it: `-12.50 EUR`, `5000 JPY`. */
export function formatMinor(amountMinor: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  const sign = amountMinor < 0 ? "-" : "";
  const abs = Math.abs(amountMinor);
  const main =
    decimals === 0
      ? String(abs)
      : `${Math.floor(abs / 10 ** decimals)}.${String(abs % 10 ** decimals).padStart(decimals, "0")}`;
  return `${sign}${main} ${currency.toUpperCase()}`;
}
