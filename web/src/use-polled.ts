import { useEffect, useState } from "preact/hooks";
import { failureText } from "./http-client.ts";

export interface Polled<T> {
  /** The last answer received; kept while a later fetch fails, so the page does not go blank. */
  data: T | null;
  /** Why the last fetch failed, as a sentence to show (src/http-client.ts), or null if it succeeded. */
  error: string | null;
}

/**
 * Fetches now and then `intervalMs` after each answer. The next request waits for the previous
 * one, so a slow server is never sent overlapping requests. `fetcher` should be a module-level
 * function: a new one on each render would restart the polling. `what` names what is loaded, for
 * the error ("the models"). A change of `refreshKey` (a server-sent event saying the data moved)
 * fetches at once, without waiting for the interval.
 */
export function usePolled<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  what: string,
  refreshKey?: string | number | null,
): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function poll(): Promise<void> {
      try {
        const data = await fetcher(controller.signal);
        setState({ data, error: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) => ({ data: previous.data, error: failureText(what, error) }));
      }
      if (!controller.signal.aborted) timer = setTimeout(poll, intervalMs);
    }

    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // refreshKey is not read inside: a new one restarts the polling, which fetches now.
  }, [fetcher, intervalMs, what, refreshKey]);

  return state;
}
