/**
 * The standard normal tail Q(z) = P(Z > z), accurate in the far tail: erfc by the Chebyshev
 * fit of Numerical Recipes (§6.2, `erfcc`), fractional error below 1.2e-7 everywhere, so a tail
 * probability of 1e-9 is still right to seven digits (a plain 1 − Φ would round it to 0).
 */
const erfcCoefficients = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = erfcCoefficients.length - 1; i >= 0; i--) poly = erfcCoefficients[i]! + t * poly;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms: about 15 significant digits). */
const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = lanczos[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += lanczos[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * log₁₀ Q(z), exact where Q itself would underflow to 0 (z beyond about 38): the log of the
 * same Chebyshev fit, taken before exponentiating. For z ≤ 0 it is log₁₀ of Q directly.
 */
export function log10NormalTail(z: number): number {
  if (z <= 0) return Math.log10(normalTail(z));
  const a = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * a);
  let poly = 0;
  for (let i = erfcCoefficients.length - 1; i >= 0; i--) poly = erfcCoefficients[i]! + t * poly;
  return (Math.log(0.5 * t) - a * a + poly) / Math.LN10;
}
