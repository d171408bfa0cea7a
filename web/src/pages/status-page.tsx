import { fetchStatus, type SchemaDifference, type SchemaState, type SystemStatus } from "../api.ts";
import { GateNotice } from "../components/gate-banner.tsx";
import { LiveOverview } from "../components/live-overview.tsx";
import { fetchGate } from "../fsar-api.ts";
import { fetchOverview } from "../overview-api.ts";
import { usePolled } from "../use-polled.ts";

// The schema check runs the doctor (a second or so); live work is cheap and changes fast.
const statusRefreshMs = 5_000;
const overviewRefreshMs = 2_000;

const databaseModes: Record<SystemStatus["database"]["kind"], string> = {
  pglite: "Embedded (PGlite)",
  postgres: "PostgreSQL",
};

const schemaExplanations: Record<SchemaState, string> = {
  clean: "The schema matches its migrations, and every migration is applied.",
  drift:
    "The live schema differs from what its migrations produce. The differences and their repairs are below.",
  pending: "No drift, but some migrations are not applied yet.",
  unknown: "The schema could not be checked: the database did not answer.",
};

/** The landing page: live work first, then the system (version, database, schema and drift). */
export function StatusPage() {
  const overview = usePolled(fetchOverview, overviewRefreshMs, "the overview");
  const { data: status, error } = usePolled(fetchStatus, statusRefreshMs, "the status");
  // Only said when closed; a failure to read it is the overview's error already.
  const gate = usePolled(fetchGate, statusRefreshMs, "the execution gate");

  return (
    <div class="page">
      <div class="page-title">
        <h1>Overview</h1>
        {overview.data && (
          <span class="muted" data-testid="overview-at">
            Live work at {new Date(overview.data.at).toLocaleTimeString()} · refreshes every{" "}
            {overviewRefreshMs / 1000} s
          </span>
        )}
      </div>
      <GateNotice gate={gate.data} />
      {overview.error && (
        <div class="banner banner-error" role="alert" data-testid="overview-error">
          {overview.error}
          {overview.data ? " Showing the last known state." : ""}
        </div>
      )}
      {overview.data === null ? (
        !overview.error && <p class="muted">Loading live work…</p>
      ) : (
        <LiveOverview overview={overview.data} />
      )}
      <div class="page-title section-title">
        <h2 class="section-heading">System</h2>
        {status && (
          <span class="muted" data-testid="checked-at">
            Checked {new Date(status.checkedAt).toLocaleTimeString()} · refreshes every{" "}
            {statusRefreshMs / 1000} s
          </span>
        )}
      </div>
      {/* One banner when the server is away: the overview's says it already. */}
      {error && error !== overview.error && (
        <div class="banner banner-error" role="alert" data-testid="status-error">
          {error}
          {status ? " Showing the last known status." : ""}
        </div>
      )}
      {status === null ? (
        !error && <p class="muted">Checking the database and the schema…</p>
      ) : (
        <>
          <div class="cards">
            <StewardCard status={status} />
            <DatabaseCard database={status.database} />
            <SchemaCard schema={status.schema} />
          </div>
          {status.schema.changed.length > 0 && <ChangedMigrations names={status.schema.changed} />}
          {status.schema.differences.length > 0 && <DriftTable differences={status.schema.differences} />}
        </>
      )}
    </div>
  );
}

function StewardCard({ status }: { status: SystemStatus }) {
  return (
    <section class="card">
      <h2>Steward</h2>
      <dl>
        <dt>Version</dt>
        <dd data-testid="steward-version">{status.version}</dd>
        <dt>Ready</dt>
        <dd data-testid="ready">{status.ready ? "Yes" : "No"}</dd>
      </dl>
    </section>
  );
}

function DatabaseCard({ database }: { database: SystemStatus["database"] }) {
  return (
    <section class="card">
      <h2>Database</h2>
      <p class="card-value" data-testid="database-mode">
        {databaseModes[database.kind]}
      </p>
      <p class="mono muted" data-testid="database-description">
        {database.description}
      </p>
      {database.reachable ? (
        <span class="badge badge-clean" data-testid="database-reachable">
          reachable
        </span>
      ) : (
        <>
          <span class="badge badge-drift" data-testid="database-reachable">
            unreachable
          </span>
          {database.error && <p class="mono">{database.error}</p>}
        </>
      )}
    </section>
  );
}

function SchemaCard({ schema }: { schema: SystemStatus["schema"] }) {
  return (
    <section class="card">
      <h2>Schema</h2>
      <span class={`badge badge-${schema.status}`} data-testid="schema-status">
        {schema.status}
      </span>
      <p class="muted">{schemaExplanations[schema.status]}</p>
      <dl>
        <dt>Migrations applied</dt>
        <dd data-testid="migrations-applied">{schema.applied}</dd>
        <dt>Migrations pending</dt>
        <dd data-testid="migrations-pending">{schema.pending}</dd>
        <dt>Latest applied</dt>
        <dd class="mono" data-testid="latest-migration">
          {schema.latest ?? "none"}
        </dd>
      </dl>
    </section>
  );
}

function ChangedMigrations({ names }: { names: string[] }) {
  return (
    <div class="banner banner-warning" data-testid="changed-migrations">
      Changed after they were applied: <span class="mono">{names.join(", ")}</span>. Databases that already
      ran them do not see the change.
    </div>
  );
}

function DriftTable({ differences }: { differences: SchemaDifference[] }) {
  return (
    <section class="card drift" data-testid="drift">
      <h2>Differences ({differences.length})</h2>
      <p class="muted">
        Repairs shown as SQL are exact and lose nothing; the others are left to a person.{" "}
        <code>steward doctor</code> gives the same report.
      </p>
      <table>
        <thead>
          <tr>
            <th>Kind</th>
            <th>Table</th>
            <th>Object</th>
            <th>Repair</th>
          </tr>
        </thead>
        <tbody>
          {differences.map((difference) => (
            <tr
              key={`${difference.kind}:${difference.table}:${difference.object ?? ""}`}
              data-testid="drift-row"
            >
              <td>{difference.kind.replaceAll("_", " ")}</td>
              <td class="mono">{difference.table}</td>
              <td class="mono">{difference.object ?? "—"}</td>
              <td>
                {difference.repair && (
                  <pre>
                    <code>{difference.repair}</code>
                  </pre>
                )}
                {difference.explanation && <p class="explanation">{difference.explanation}</p>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
