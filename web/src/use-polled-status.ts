import { useEffect, useState } from "preact/hooks";
import { fetchStatus, type SystemStatus } from "./api.ts";

export interface PolledStatus {
  /** The last status received; kept while a later fetch fails, so the page does not go blank. */
  status: SystemStatus | null;
  /** Why the last fetch failed, or null if it succeeded. */
  error: string | null;
}

/**
 * Fetches the status now and then `intervalMs` after each answer. The next request waits for
 * the previous one, so a slow server is never sent overlapping checks.
 */
export function usePolledStatus(intervalMs: number): PolledStatus {
  const [state, setState] = useState<PolledStatus>({ status: null, error: null });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function poll(): Promise<void> {
      try {
        const status = await fetchStatus(controller.signal);
        setState({ status, error: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) => ({ status: previous.status, error: (error as Error).message }));
      }
      if (!controller.signal.aborted) timer = setTimeout(poll, intervalMs);
    }

    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs]);

  return state;
}
