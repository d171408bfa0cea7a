/**
 * Delay before the next attempt: exponential from `baseDelayMs`, capped at `maxDelayMs`, with
 * "equal jitter" (half fixed, half random) so that tasks failing together do not retry together
 * while each still waits at least half its step.
 */
export function retryDelayMs(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
