import { useEffect, useState } from "preact/hooks";

/** The time now, in ms, updated every `intervalMs`: for countdowns that move between fetches. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
