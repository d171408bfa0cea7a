import { render } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ModelsPage } from "./pages/models-page.tsx";
import { MoneyPage } from "./pages/money-page.tsx";
import { NotFoundPage } from "./pages/not-found-page.tsx";
import { OperationsPage } from "./pages/operations-page.tsx";
import { ReportsPage } from "./pages/reports-page.tsx";
import { StatusPage } from "./pages/status-page.tsx";
import { TaskDetailPage } from "./pages/task-detail-page.tsx";
import { TasksPage } from "./pages/tasks-page.tsx";
import { hrefFor, type Route, useHashRoute } from "./use-hash-route.ts";
import { useTaskEvents } from "./use-task-events.ts";
import "./styles.css";

/** The shell: header, navigation and the page the URL's hash names. */
function App() {
  const route = useHashRoute();
  const section = sectionOf(route);
  return (
    <>
      <header class="topbar">
        <span class="brand">Steward</span>
        <nav aria-label="Main">
          <NavLink href={hrefFor.status} active={section === "status"} testId="nav-status">
            Overview
          </NavLink>
          <NavLink href={hrefFor.tasks} active={section === "tasks"} testId="nav-tasks">
            Tasks
          </NavLink>
          <NavLink href={hrefFor.models} active={section === "models"} testId="nav-models">
            Models
          </NavLink>
          <NavLink href={hrefFor.operations} active={section === "operations"} testId="nav-operations">
            Operations
          </NavLink>
          <NavLink href={hrefFor.money} active={section === "money"} testId="nav-money">
            Money
          </NavLink>
          <NavLink href={hrefFor.reports} active={section === "reports"} testId="nav-reports">
            Reports
          </NavLink>
        </nav>
      </header>
      <main>
        {route.page === "not-found" ? (
          <NotFoundPage path={route.path} />
        ) : section === "tasks" ? (
          <TasksSection route={route} />
        ) : section === "models" ? (
          <ModelsPage />
        ) : section === "operations" ? (
          <OperationsSection />
        ) : section === "money" ? (
          <MoneyPage />
        ) : route.page === "reports" ? (
          <ReportsPage id={route.id} />
        ) : (
          <StatusPage />
        )}
      </main>
    </>
  );
}

/** The navigation entry a page belongs to: a task's page is part of Tasks; an unknown one, none. */
function sectionOf(route: Route): "status" | "tasks" | "models" | "operations" | "money" | "reports" | null {
  if (route.page === "not-found") return null;
  return route.page === "task" ? "tasks" : route.page;
}

function NavLink({
  href,
  active,
  testId,
  children,
}: {
  href: string;
  active: boolean;
  testId: string;
  children: string;
}) {
  // On a phone the links scroll sideways: the page's own stays in view.
  const link = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    if (active) link.current?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [active]);
  return (
    <a
      ref={link}
      href={href}
      class={active ? "nav-link active" : "nav-link"}
      aria-current={active ? "page" : undefined}
      data-testid={testId}
    >
      {children}
    </a>
  );
}

/** The task pages share one event stream, kept open while moving between the list and a task. */
function TasksSection({ route }: { route: Route }) {
  const events = useTaskEvents();
  return route.page === "task" ? (
    <TaskDetailPage key={route.id} id={route.id} events={events} />
  ) : (
    <TasksPage events={events} />
  );
}

/** The queue depth chart follows the task events, like the task pages. */
function OperationsSection() {
  return <OperationsPage events={useTaskEvents()} />;
}

const root = document.getElementById("app");
if (root === null) throw new Error("index.html has no #app element");
render(<App />, root);
