import type { Clock } from "../../src/clock.ts";

/**
 * A clock that stands still until the test moves it, so that the times the engine takes from it
 * (an attempt's end, a retry's run_at, a cooldown's end) are exact values a test can assert.
 *
 * The database keeps its own clock (`now()` in SQL: leases, claims, the scheduler's view of
 * cooldowns and minute windows). Start a test clock at the present or in the past: a retry due at
 * a time ahead of the database's clock would wait for the database to get there.
 */
export class TestClock implements Clock {
  #ms: number;

  constructor(start: Date | number = Date.now()) {
    this.#ms = typeof start === "number" ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}
