/**
 * Seeded randomness for the simulator. Every stream is derived from the run's seed and a label
 * (the workload, a task attempt, a strategy), so that the same seed gives the same world to every
 * strategy, and the luck of one task's attempt does not depend on what happened before it.
 */

export type Random = () => number;

/** mulberry32, the generator the sim provider uses (src/models/providers/sim-client.ts). Values in [0, 1). */
import { mulberry32 } from "../../src/models/providers/sim-client.ts";

export { mulberry32 };

/** Mixes integers and strings into one 32-bit seed (FNV-1a over the parts, then a final avalanche). */
export function seedOf(...parts: (number | string)[]): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash ^= byte & 0xff;
    hash = Math.imul(hash, 0x01000193);
  };
  for (const part of parts) {
    const text = typeof part === "number" ? `#${part}` : part;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      mix(code);
      mix(code >>> 8);
    }
    mix(0x1f);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export function stream(...parts: (number | string)[]): Random {
  return mulberry32(seedOf(...parts));
}

export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

export function uniformInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Exponential with the given mean: the gap between Poisson arrivals. */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** Triangular on [min, max] with its peak at mode. */
export function triangular(random: Random, min: number, max: number, mode: number): number {
  const u = random();
  const cut = (mode - min) / (max - min);
  return u < cut
    ? min + Math.sqrt(u * (max - min) * (mode - min))
    : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
}

/** Index drawn with probability proportional to its weight (uniform when every weight is 0). */
export function pickWeighted(random: Random, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return Math.floor(random() * weights.length);
  let u = random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** A standard normal draw (Box–Muller; takes two uniform draws). */
export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Poisson-distributed count with the given (small) mean, by Knuth's product of uniforms. */
export function poissonCount(random: Random, mean: number): number {
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random(); product > limit; product *= random()) count++;
  return count;
}
