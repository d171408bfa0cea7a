import { useEffect, useState } from "preact/hooks";

/**
 * Pages live in the URL's hash (`#/tasks/12`): the server serves one index.html for `/` and
 * needs no fallback route, and a reload or a shared link opens the same page.
 */
export type Route =
  | { page: "status" }
  | { page: "tasks" }
  | { page: "task"; id: number }
  | { page: "models" }
  | { page: "operations" }
  | { page: "money" }
  /** The FSAR reports and the execution gate; with an id, that report in place of the latest. */
  | { page: "reports"; id: string | null }
  /** Any other hash: said so, rather than showing some page the link did not mean. */
  | { page: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  const task = /^\/tasks\/([1-9][0-9]*)$/.exec(path);
  if (task) return { page: "task", id: Number(task[1]) };
  if (path === "/tasks") return { page: "tasks" };
  if (path === "/models") return { page: "models" };
  if (path === "/operations") return { page: "operations" };
  if (path === "/money") return { page: "money" };
  if (path === "/reports") return { page: "reports", id: null };
  const report = /^\/reports\/(fsar_[0-9A-Za-z-]+)$/.exec(path);
  if (report) return { page: "reports", id: report[1]! };
  if (path === "" || path === "/") return { page: "status" };
  return { page: "not-found", path };
}

export const hrefFor = {
  status: "#/",
  tasks: "#/tasks",
  task: (id: number) => `#/tasks/${id}`,
  models: "#/models",
  operations: "#/operations",
  money: "#/money",
  reports: "#/reports",
  report: (id: string) => `#/reports/${id}`,
};

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
