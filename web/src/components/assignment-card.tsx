import { formatMs, formatTime } from "../format.ts";
import type { AssignmentView } from "../task-api.ts";
import { AssignmentCostTable, isPriced } from "./assignment-cost-table.tsx";
import { ScoredModelRow } from "./scored-model-row.tsx";

/**
 * Why the scheduler chose a model for the task, or none: its one-line reason (and, for a task left
 * to wait for a busy model, which one and for how long), then every model it considered, best
 * first, with the score and each factor's share of it: in dollars, with each model's chance of
 * success, when the scheduler priced the choice (AssignmentCostTable). A model that was not
 * eligible shows why instead (capability, limit, cooldown, budget, …).
 */
export function AssignmentCard({
  assignment,
  pinnedModel,
}: {
  assignment: AssignmentView;
  pinnedModel: string | null;
}) {
  return (
    <section class="card assignment-card" data-testid="assignment">
      <h2>Model assignment</h2>
      <p data-testid="assignment-choice">
        {assignment.model === null ? (
          <span class="strong">No model: the task waits.</span>
        ) : (
          <>
            Runs on{" "}
            <span class="mono strong" data-testid="assignment-model">
              {assignment.model}
            </span>
          </>
        )}{" "}
        <span class="muted">· decided {formatTime(assignment.at)}</span>
        {pinnedModel && <span class="muted"> · pinned to {pinnedModel}</span>}
      </p>
      {assignment.waitingFor && (
        <p data-testid="assignment-waiting-for">
          Waiting for <span class="mono strong">{assignment.waitingFor.model}</span>, expected free in ≈
          {formatMs(assignment.waitingFor.expectedWaitMs)}
          <span class="muted"> (as estimated then)</span>
        </p>
      )}
      <p data-testid="assignment-reason">{assignment.reason}</p>
      {assignment.scores.length > 0 && (
        <div class="assignment-table-wrap">
          {isPriced(assignment.scores) ? (
            <AssignmentCostTable assignment={assignment} />
          ) : (
            <FactorTable assignment={assignment} />
          )}
        </div>
      )}
    </section>
  );
}

/**
 * The factors of an assignment the scheduler scored before it priced its choices: each factor's
 * signed share of a unitless score.
 */
function FactorTable({ assignment }: { assignment: AssignmentView }) {
  const factors = factorNames(assignment.scores);
  // A model that was not eligible has no factors: its reason takes their place across the row,
  // rather than a column of its own that makes the table wider than its card.
  const reasonColumn = factors.length === 0 && assignment.scores.some((s) => s.excluded !== null);
  return (
    <table class="assignment-table" data-testid="assignment-table">
      <thead>
        <tr>
          <th>Model</th>
          <th class="num">Score</th>
          {factors.map((name) => (
            <th key={name} class="num" data-testid="factor-name">
              {name.replaceAll("_", " ")}
            </th>
          ))}
          {reasonColumn && <th>Not eligible because</th>}
        </tr>
      </thead>
      <tbody>
        {assignment.scores.map((score) => (
          <ScoredModelRow key={score.modelId} score={score} chosenModel={assignment.model}>
            <td class="num" data-testid="assignment-score">
              {score.score === null ? "—" : formatNumber(score.score, false)}
            </td>
            {score.excluded !== null ? (
              <td
                class="excluded-reason"
                colSpan={Math.max(1, factors.length)}
                data-testid="assignment-excluded"
              >
                {score.excluded}
              </td>
            ) : (
              factors.map((name) => {
                const value = score.factors[name];
                return (
                  <td key={name} class="num" title={value === undefined ? undefined : String(value)}>
                    {value === undefined ? "" : formatNumber(value, true)}
                  </td>
                );
              })
            )}
            {reasonColumn && score.excluded === null && <td />}
          </ScoredModelRow>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Every factor any model was scored on, alphabetically: the scheduler's own order does not
 * survive the jsonb column (it orders keys by length), and the same order on every task reads
 * best when comparing them.
 */
function factorNames(scores: AssignmentView["scores"]): string[] {
  const names = new Set<string>();
  for (const score of scores) for (const name of Object.keys(score.factors)) names.add(name);
  return [...names].sort();
}

/** Two decimals with a true minus sign; factors also with a plus, as they add up to the score. */
function formatNumber(value: number, signed: boolean): string {
  const text = Math.abs(value).toFixed(2);
  if (text === "0.00") return text;
  return value < 0 ? `−${text}` : signed ? `+${text}` : text;
}
