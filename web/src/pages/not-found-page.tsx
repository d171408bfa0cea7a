import { hrefFor } from "../use-hash-route.ts";

/** A link to a page the dashboard does not have (mistyped, or from an older version). */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <div class="page">
      <div class="page-title">
        <h1>No such page</h1>
      </div>
      <section class="card not-found" data-testid="not-found">
        <p>
          The dashboard has no page at <code data-testid="not-found-path">#{path}</code>.
        </p>
        <ul class="plain-list not-found-links">
          <li>
            <a href={hrefFor.status} data-testid="not-found-link">
              Overview
            </a>{" "}
            <span class="muted">— live work, what waits and why, models in use, the schema</span>
          </li>
          <li>
            <a href={hrefFor.tasks} data-testid="not-found-link">
              Tasks
            </a>{" "}
            <span class="muted">— every task, by status, kind or text; a task at #/tasks/&lt;id&gt;</span>
          </li>
          <li>
            <a href={hrefFor.models} data-testid="not-found-link">
              Models
            </a>{" "}
            <span class="muted">— each model's load, limits, spend and what was learned</span>
          </li>
        </ul>
      </section>
    </div>
  );
}
