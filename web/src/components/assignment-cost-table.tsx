import { formatCost, formatPercent } from "../format.ts";
import type { AssignmentView } from "../task-api.ts";
import { ScoredModelRow } from "./scored-model-row.tsx";

type Score = AssignmentView["scores"][number];
type Estimates = NonNullable<Score["estimates"]>;

/** The factors of a score in dollars: together, minus the expected cost of the task on that model. */
const pricedFactors = ["price", "lateness"];

/**
 * Whether the scheduler priced this choice in dollars: every factor is a price or a lateness (its
 * score is then minus the expected cost). Assignments stored before it did keep their own factors.
 */
export function isPriced(scores: AssignmentView["scores"]): boolean {
  const names = new Set(scores.flatMap((s) => Object.keys(s.factors)));
  return names.size > 0 && [...names].every((name) => pricedFactors.includes(name));
}

/**
 * Every model the scheduler considered, cheapest first: the expected cost of the task on it (what
 * the choice minimises), its two parts (the price of the attempts it would take, failures
 * included, and what its expected lateness costs), and the chance that one attempt succeeds, with
 * the capability whose curve said so. Costs read as positive amounts: the score is their negative.
 */
export function AssignmentCostTable({ assignment }: { assignment: AssignmentView }) {
  return (
    <table class="assignment-table" data-testid="assignment-table" data-priced="true">
      <thead>
        <tr>
          <th>Model</th>
          <th class="num" title="The score is minus this: the lowest expected cost wins">
            Expected cost
          </th>
          <th class="num" data-testid="factor-name" title="The attempts it would take, failures included">
            Price
          </th>
          <th
            class="num"
            data-testid="factor-name"
            title="What its expected lateness costs, at the task's price of lateness"
          >
            Lateness
          </th>
          <th
            class="num"
            title="The chance that one attempt succeeds, and the capability whose curve said so"
          >
            Success
          </th>
        </tr>
      </thead>
      <tbody>
        {assignment.scores.map((score) => (
          <ScoredModelRow key={score.modelId} score={score} chosenModel={assignment.model}>
            <td class="num" data-testid="assignment-score" title={titleOf(score.score)}>
              {score.score === null ? "—" : formatCost(-score.score)}
            </td>
            {score.excluded !== null ? (
              <td
                class="excluded-reason"
                colSpan={pricedFactors.length + 1}
                data-testid="assignment-excluded"
              >
                {score.excluded}
              </td>
            ) : (
              <>
                {pricedFactors.map((name) => (
                  <td key={name} class="num" title={factorTitle(name, score)}>
                    {score.factors[name] === undefined ? "" : formatCost(-score.factors[name]!)}
                  </td>
                ))}
                <SuccessCell estimates={score.estimates} />
              </>
            )}
          </ScoredModelRow>
        ))}
      </tbody>
    </table>
  );
}

function SuccessCell({ estimates }: { estimates: Estimates | undefined }) {
  if (estimates === undefined) return <td class="num" />;
  const { curve } = estimates;
  return (
    <td class="num" data-testid="assignment-success" title={curveTitle(estimates)}>
      {formatPercent(estimates.successProbability)}
      {curve.capability !== "*" && <span class="muted success-capability"> {curve.capability}</span>}
    </td>
  );
}

/** "code: σ(1.90 + 2.10·gap), kind −0.4; prior 79%": where the success estimate came from. */
function curveTitle(estimates: Estimates): string {
  const { curve } = estimates;
  const name = curve.capability === "*" ? "no capability required" : curve.capability;
  const sign = curve.slope < 0 ? "−" : "+";
  const kind =
    curve.kindLogOdds === 0
      ? ""
      : `, kind ${curve.kindLogOdds < 0 ? "−" : "+"}${Math.abs(curve.kindLogOdds).toFixed(1)}`;
  return `${name}: σ(${curve.offset.toFixed(2)} ${sign} ${Math.abs(curve.slope).toFixed(2)}·gap)${kind}; prior ${formatPercent(estimates.priorSuccess)}`;
}

function factorTitle(name: string, score: Score): string | undefined {
  const value = score.factors[name];
  if (value === undefined) return undefined;
  const exact = `$${(-value).toFixed(8).replace(/0+$/, "").replace(/\.$/, "")}`;
  if (name === "lateness" && score.estimates !== undefined)
    return `${exact}: ${score.estimates.tardinessS.toFixed(1)} s of weighted lateness expected`;
  return exact;
}

function titleOf(score: number | null): string | undefined {
  return score === null ? undefined : `score ${score}`;
}
