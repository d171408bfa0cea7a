/**
 * Where the engine reads the time: injected, so that tests can hold or advance it and assert
 * exact values. Engine code never calls `new Date()` or `Date.now()` itself. (The database's
 * `now()` is the database's clock: SQL that compares with it says so.)
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
