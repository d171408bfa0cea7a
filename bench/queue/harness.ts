import { readFile } from "node:fs/promises";
import type { CpuUse } from "./cpu.ts";
import { nowMs } from "./stats.ts";

/** One drain of the queue: every task enqueued, then worked off by a worker started afterwards. */
export interface ThroughputRun {
  tasks: number;
  /** Tasks added per second by the bulk enqueue (before the worker starts). */
  enqueuePerS: number;
  /** From the worker's start until the last completion was committed. */
  drainMs: number;
  tasksPerS: number;
  /** CPU used during the drain. */
  cpu: CpuUse;
}

/** Progress goes to stderr, so that stdout holds only the table or the JSON lines. */
export function progress(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolve and reject, for "the run is over" signals from event handlers. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects with a message naming what did not happen if `promise` is not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`benchmark stalled: ${what} did not happen within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every `everyMs` until it returns true; fails after `timeoutMs`. */
export async function pollUntil(
  check: () => Promise<boolean>,
  what: string,
  options: { everyMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`benchmark stalled: ${what} did not happen in time`);
    await sleep(options.everyMs ?? 1);
  }
}

/**
 * Offers `count` single enqueues at `perSecond`, each at its due time (start + i / rate), without
 * waiting for the previous one to finish: a slow enqueue does not lower the offered load.
 * `send` receives the enqueue call time (nowMs) to put in the payload. Returns how long each
 * enqueue call took to resolve (its commit), in ms.
 */
export async function offerAtRate(
  count: number,
  perSecond: number,
  send: (enqueuedAtMs: number, index: number) => Promise<unknown>,
): Promise<number[]> {
  const intervalMs = 1000 / perSecond;
  const start = performance.now();
  const inFlight: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const calledAt = nowMs();
    inFlight.push(send(calledAt, i).then(() => nowMs() - calledAt));
  }
  return Promise.all(inFlight);
}

/** Pickup latencies (enqueue call to handler start) and how long each single enqueue took, in ms. */
export interface PickupSamples {
  pickupMs: number[];
  enqueueMs: number[];
  /** CPU used while the enqueues were offered and picked up. */
  cpu: CpuUse;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Times the bulk enqueue of `count` tasks in chunks; returns tasks per second. */
export async function timeEnqueue(
  count: number,
  chunkSize: number,
  enqueue: (n: number) => Promise<void>,
): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < count; done += chunkSize) await enqueue(Math.min(chunkSize, count - done));
  return count / ((performance.now() - t0) / 1000);
}

/** Share of the machine's CPU time that was busy over `ms` (from /proc/stat; NaN elsewhere). */
export async function machineBusy(ms = 300): Promise<number> {
  const sample = async () => {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
    return { busy: user! + nice! + system! + irq! + softirq! + steal!, idle: idle! + iowait! };
  };
  try {
    const a = await sample();
    await sleep(ms);
    const b = await sample();
    return (b.busy - a.busy) / (b.busy - a.busy + b.idle - a.idle);
  } catch {
    return Number.NaN;
  }
}

/**
 * Waits (up to `maxWaitMs`) until the machine is mostly idle before a timed run: on two cores, a
 * test suite running beside the benchmark halves whichever system runs at that moment. Returns
 * the busy share measured last, to be reported with the run.
 */
export async function waitForQuiet(threshold: number, maxWaitMs: number): Promise<number> {
  const deadline = performance.now() + maxWaitMs;
  let busy = await machineBusy();
  let said = false;
  while (busy > threshold && performance.now() < deadline) {
    if (!said)
      progress(
        `  machine busy (${(100 * busy).toFixed(0)} % CPU by other work); waiting for it to calm down`,
      );
    said = true;
    await sleep(1_000);
    busy = await machineBusy();
  }
  return busy;
}

/** What a pickup task carries: the time of its enqueue call, and its number in the run. */
export interface PickupPayload {
  t: number;
  i: number;
}

/**
 * One pickup measurement: `warmup + count` single enqueues offered at a steady rate, of which the
 * first `warmup` are left out. They meet what a service meets only once: new connections, plans
 * and statements prepared for the first time, empty caches, the first statistics of a new table.
 * Every system gets the same warm-up.
 */
export class PickupRecorder {
  readonly latencies: number[] = [];
  readonly #all = deferred();

  constructor(
    readonly count: number,
    readonly warmup: number,
  ) {}

  /** Called by the handler with its task's payload, when it starts. */
  record(payload: PickupPayload, at: number = nowMs()): void {
    if (payload.i < this.warmup) return;
    this.latencies.push(at - payload.t);
    if (this.latencies.length === this.count) this.#all.resolve();
  }

  /** Offers every enqueue at `perSecond`; resolves with the measured enqueue calls' durations. */
  async offer(perSecond: number, send: (payload: PickupPayload) => Promise<unknown>): Promise<number[]> {
    const durations = await offerAtRate(this.count + this.warmup, perSecond, (t, i) => send({ t, i }));
    return durations.slice(this.warmup);
  }

  /** Ends the measurement with this error (a worker failed). */
  fail(error: unknown): void {
    this.#all.reject(error);
  }

  /** Resolves when every measured task has started. */
  started(timeoutMs: number, what: string): Promise<void> {
    return within(this.#all.promise, timeoutMs, what);
  }
}
