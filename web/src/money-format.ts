/**
 * Amounts as the ledger keeps them (integers in the currency's minor unit; Stripe's zero-decimal
 * currencies in the main unit, its three-decimal ones in thousandths) as a person reads them.
 * The decimals table is src/money/currencies.ts's, written again here because the dashboard
 * takes only types from src/; test/e2e/money-page.test.ts checks that the two agree.
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

const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/**
 * `1,200.00 USD`, `-12.50 EUR`, `5,000 JPY`; without the code when a column names the currency.
 * MRR, ARPA and LTV come as fractions of a minor unit: rounded to it here, where they are shown.
 * Integer arithmetic on the rounded amount, so that no binary fraction shows through.
 */
export function formatMoney(minor: number, currency: string, options: { code?: boolean } = {}): string {
  const decimals = currencyDecimals(currency);
  const rounded = Math.round(minor);
  const sign = rounded < 0 ? "-" : "";
  const digits = String(Math.abs(rounded)).padStart(decimals + 1, "0");
  const main = grouped(digits.slice(0, digits.length - decimals));
  const fraction = decimals === 0 ? "" : `.${digits.slice(digits.length - decimals)}`;
  const code = options.code === false ? "" : ` ${currency.toUpperCase()}`;
  return `${sign}${main}${fraction}${code}`;
}

/** A chart axis in the main unit, short: 0, 12.5, 480, 1.2k, 35k, 1.4M (the card names the currency). */
export function formatAxisMoney(currency: string): (minor: number) => string {
  const unit = 10 ** currencyDecimals(currency);
  return (minor) => {
    const main = minor / unit;
    const abs = Math.abs(main);
    const trim = (x: number, digits: number) => String(Number(x.toFixed(digits)));
    if (abs >= 1_000_000) return `${trim(main / 1_000_000, 1)}M`;
    if (abs >= 10_000) return `${trim(main / 1_000, 0)}k`;
    if (abs >= 1_000) return `${trim(main / 1_000, 1)}k`;
    return trim(main, abs < 10 ? 2 : abs < 100 ? 1 : 0);
  };
}

/** A ratio as a percentage, with a decimal under 10% (a 2.5% failure rate is not 3%); null: –. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null) return "–";
  const percent = ratio * 100;
  const digits = percent !== 0 && Math.abs(percent) < 10 ? 1 : 0;
  return `${Number(percent.toFixed(digits)).toLocaleString("en-US")}%`;
}
