import { exponential, normal, poissonCount, type Random } from "./random.ts";

/**
 * Arrival processes: the arrival times (ms since the start) within the horizon, drawn from
 * `random`. Each is named by the shape of traffic it imitates.
 */
export type Arrivals = (random: Random, horizonMs: number) => number[];

/** Poisson arrivals at `perSecond`, from `fromMs` to `toMs`. */
export function poisson(perSecond: number, fromMs = 0, toMs?: number): Arrivals {
  return (random, horizonMs) => {
    const end = toMs ?? horizonMs;
    const times: number[] = [];
    for (
      let t = fromMs + exponential(random, 1_000 / perSecond);
      t < end;
      t += exponential(random, 1_000 / perSecond)
    ) {
      times.push(t);
    }
    return times;
  };
}

/** On/off (a two-state Markov-modulated Poisson process): bursts at `onRate`, lulls at `offRate`. */
export function onOff(onRate: number, offRate: number, meanOnMs: number, meanOffMs: number): Arrivals {
  return (random, horizonMs) => {
    const times: number[] = [];
    let t = 0;
    let on = false;
    while (t < horizonMs) {
      const periodEnd = Math.min(horizonMs, t + exponential(random, on ? meanOnMs : meanOffMs));
      const rate = on ? onRate : offRate;
      for (
        let a = t + exponential(random, 1_000 / rate);
        a < periodEnd;
        a += exponential(random, 1_000 / rate)
      ) {
        times.push(a);
      }
      t = periodEnd;
      on = !on;
    }
    return times;
  };
}

/** A batch of `size` tasks at once every `everyMs` (first at `everyMs` ÷ 10), over Poisson background. */
export function batches(size: number, everyMs: number, backgroundPerSecond: number): Arrivals {
  return (random, horizonMs) => {
    const times = poisson(backgroundPerSecond)(random, horizonMs);
    for (let t = everyMs / 10; t < horizonMs; t += everyMs) {
      for (let i = 0; i < size; i++) times.push(t);
    }
    return times.sort((a, b) => a - b);
  };
}

/** Several processes at once. */
export function both(...parts: Arrivals[]): Arrivals {
  return (random, horizonMs) => parts.flatMap((part) => part(random, horizonMs)).sort((a, b) => a - b);
}

/** The shape of a self-exciting process, besides its mean rate. */
export interface HawkesShape {
  /** Mean number of arrivals each arrival sets off (below 1): the share of traffic that comes in bursts. */
  branching: number;
  /** Mean delay from an arrival to each one it sets off, ms: how long a burst lasts. */
  decayMs: number;
  /** Length of the blocks over which the background rate stays the same, ms. */
  blockMs: number;
  /** σ of the lognormal factor (mean 1) that scales the background rate in each block. */
  sigma: number;
}

/**
 * Bursty traffic as public LLM-inference traces show it (inter-arrival times far more variable
 * than Poisson's, bursts of seconds on top of swings of minutes): a Hawkes process with an
 * exponential kernel, whose background rate is modulated block by block by a lognormal factor
 * of mean 1. Built as clusters: background arrivals at (1 − branching) × perSecond × the block's
 * factor; each arrival then sets off a Poisson(branching) number of others, each after an
 * exponential delay. A cluster holds 1 ÷ (1 − branching) arrivals on average, so the mean rate
 * is `perSecond` (less the few set off after the horizon, which are dropped).
 */
export function modulatedHawkes(perSecond: number, shape: HawkesShape): Arrivals {
  return (random, horizonMs) => {
    const times: number[] = [];
    const background = perSecond * (1 - shape.branching);
    for (let from = 0; from < horizonMs; from += shape.blockMs) {
      const factor = Math.exp(shape.sigma * normal(random) - (shape.sigma * shape.sigma) / 2);
      const to = Math.min(horizonMs, from + shape.blockMs);
      const gapMs = 1_000 / (background * factor);
      for (let t = from + exponential(random, gapMs); t < to; t += exponential(random, gapMs)) {
        times.push(t);
      }
    }
    // Offspring are appended as they are drawn, and set off their own in turn.
    for (let i = 0; i < times.length; i++) {
      const children = poissonCount(random, shape.branching);
      for (let c = 0; c < children; c++) {
        const t = times[i]! + exponential(random, shape.decayMs);
        if (t < horizonMs) times.push(t);
      }
    }
    return times.sort((a, b) => a - b);
  };
}

/**
 * A working day compressed into the horizon: Poisson arrivals whose rate follows
 * perSecond × (1 − depth × cos(2π t ÷ horizon)), quiet at the start and the end, busiest in the
 * middle (1 + depth times the mean), with mean `perSecond` over the horizon. Drawn by thinning.
 */
export function diurnal(perSecond: number, depth: number): Arrivals {
  return (random, horizonMs) => {
    const peak = perSecond * (1 + depth);
    const times: number[] = [];
    for (let t = exponential(random, 1_000 / peak); t < horizonMs; t += exponential(random, 1_000 / peak)) {
      const rate = perSecond * (1 - depth * Math.cos((2 * Math.PI * t) / horizonMs));
      if (random() * peak < rate) times.push(t);
    }
    return times;
  };
}

/**
 * `base`, each arrival kept with probability `keep` (independent thinning: the shape of the
 * traffic is kept, its rate scaled). The base process takes the same draws whatever `keep` is,
 * and the draws that decide come after them, so that for one stream the arrivals kept at a lower
 * rate are a subset of those kept at a higher one.
 */
export function thinned(base: Arrivals, keep: number): Arrivals {
  return (random, horizonMs) => base(random, horizonMs).filter(() => random() < keep);
}
