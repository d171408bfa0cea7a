import { useEffect, useState } from "preact/hooks";
import type { AlertDigest } from "../../src/telemetry/alert-digest.ts";
import type { TasksEvent } from "./task-api.ts";

export interface TaskEvents {
  /** The last snapshot received; kept while the connection is down, so the page does not go blank. */
  data: TasksEvent | null;
  /** Counts snapshots that differed from the one before: pages refetch what they show when it moves. */
  version: number;
  connection: "connecting" | "live" | "reconnecting";
  /** Set when the server could not read the tasks (its database is away). */
  problem: string | null;
  /** The alerts on trend change in brief, as a key that changes when one opens, moves or resolves. */
  alertsKey: string | null;
}

/**
 * Follows GET /api/events. The server sends a snapshot every second and soon after new work
 * arrives; EventSource reconnects by itself when the connection drops.
 */
export function useTaskEvents(): TaskEvents {
  const [state, setState] = useState<TaskEvents>({
    data: null,
    version: 0,
    connection: "connecting",
    problem: null,
    alertsKey: null,
  });

  useEffect(() => {
    const source = new EventSource("/api/events");
    let last = "";
    source.onopen = () => setState((s) => ({ ...s, connection: "live" }));
    source.onerror = () => setState((s) => ({ ...s, connection: "reconnecting" }));
    source.addEventListener("tasks", (event) => {
      const raw = (event as MessageEvent<string>).data;
      if (raw === last) {
        setState((s) =>
          s.problem === null && s.connection === "live" ? s : { ...s, problem: null, connection: "live" },
        );
        return;
      }
      last = raw;
      const data = JSON.parse(raw) as TasksEvent;
      setState((s) => ({ ...s, data, version: s.version + 1, connection: "live", problem: null }));
    });
    source.addEventListener("alerts", (event) => {
      const digest = JSON.parse((event as MessageEvent<string>).data) as AlertDigest;
      const key = `${digest.open}:${digest.newestId}:${digest.changedAt}`;
      setState((s) => (s.alertsKey === key ? s : { ...s, alertsKey: key }));
    });
    source.addEventListener("unavailable", (event) => {
      const { message } = JSON.parse((event as MessageEvent<string>).data) as { message: string };
      setState((s) => ({ ...s, problem: message }));
    });
    return () => source.close();
  }, []);

  return state;
}
