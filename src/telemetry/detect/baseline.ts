/**
 * The in-control level a detector measures against: a mean and a standard deviation, given or
 * estimated from the first `warmup` points of a segment (Welford's running moments, which stay
 * exact over long series where sums of squares lose digits).
 */
export interface Level {
  mean: number;
  sd: number;
}

/**
 * A series that does not move at all during warm-up (a constant, or a noise-free step) has
 * sd = 0, and every later difference would be infinitely many sds. The floor keeps the
 * statistic finite while still making any real move from a flat line an immediate alarm.
 */
export function flooredSd(sd: number, mean: number): number {
  return Math.max(sd, 1e-6 * Math.abs(mean), 1e-12);
}

export class RunningMoments {
  n = 0;
  mean = 0;
  private m2 = 0;

  push(x: number): void {
    this.n += 1;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }

  get sd(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.m2 = 0;
  }
}

/**
 * Collects warm-up points until the level is known. `given` values (from settings) hold for the
 * first segment only: after a change the old level is no longer true, so the next segment's
 * level is always estimated.
 */
export class WarmUp {
  private readonly moments = new RunningMoments();
  private level: Level | undefined;
  private givenMean: number | null;
  private givenSd: number | null;

  constructor(
    private readonly points: number,
    given: { mean: number | null; sd: number | null } = { mean: null, sd: null },
  ) {
    this.givenMean = given.mean;
    this.givenSd = given.sd;
    if (given.mean !== null && given.sd !== null)
      this.level = { mean: given.mean, sd: flooredSd(given.sd, given.mean) };
  }

  /** The level, once known; feeding a point during warm-up returns undefined. */
  get current(): Level | undefined {
    return this.level;
  }

  /** Feeds a warm-up point; returns the level when this point completes the warm-up. */
  push(x: number): Level | undefined {
    this.moments.push(x);
    if (this.moments.n < this.points) return undefined;
    const mean = this.givenMean ?? this.moments.mean;
    this.level = { mean, sd: flooredSd(this.givenSd ?? this.moments.sd, mean) };
    return this.level;
  }

  /** Forget the level (after a change): the next `points` values estimate the new one. */
  restart(): void {
    this.moments.reset();
    this.level = undefined;
    this.givenMean = null;
    this.givenSd = null;
  }
}
