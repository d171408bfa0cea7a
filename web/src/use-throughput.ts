import { useEffect, useState } from "preact/hooks";
import { failureText } from "./http-client.ts";
import { fetchMinuteStats } from "./operations-api.ts";

const minuteMs = 60_000;

export interface Throughput {
  /** Successes per minute, one point per minute (at its start), oldest first. */
  points: { at: number; value: number }[];
  error: string | null;
}

/**
 * Successes per minute over the last `minutes`, from the minute rollups. GET /api/stats answers
 * for a window, not a series: each minute is asked once, and the last two again at every refresh
 * (an attempt finishing now lands in them). A finished minute does not change afterwards.
 */
export function useThroughput(minutes: number, intervalMs: number): Throughput {
  const [state, setState] = useState<Throughput>({ points: [], error: null });

  useEffect(() => {
    const controller = new AbortController();
    const known = new Map<number, number>();
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function poll(): Promise<void> {
      const now = Date.now();
      const current = Math.floor(now / minuteMs) * minuteMs;
      const first = current - (minutes - 1) * minuteMs;
      for (const at of [...known.keys()]) if (at < first) known.delete(at);
      try {
        for (let at = first; at <= current; at += minuteMs) {
          if (known.has(at) && at < current - minuteMs) continue;
          const to = Math.min(at + minuteMs, now);
          const answer = await fetchMinuteStats(new Date(at), new Date(to), controller.signal);
          const succeeded = answer.rows.reduce((sum, row) => sum + row.succeeded, 0);
          // The minute under way shows its successes so far.
          known.set(at, succeeded);
        }
        const points = [...known.entries()].sort(([a], [b]) => a - b).map(([at, value]) => ({ at, value }));
        setState({ points, error: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) => ({ points: previous.points, error: failureText("the throughput", error) }));
      }
      if (!controller.signal.aborted) timer = setTimeout(poll, intervalMs);
    }

    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [minutes, intervalMs]);

  return state;
}
