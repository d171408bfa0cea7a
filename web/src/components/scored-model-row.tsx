import type { ComponentChildren } from "preact";
import type { AssignmentView } from "../task-api.ts";

/**
 * One model's row of an assignment's table, whatever the columns after its name: marked when it
 * was chosen, dimmed when it was not eligible.
 */
export function ScoredModelRow({
  score,
  chosenModel,
  children,
}: {
  score: AssignmentView["scores"][number];
  chosenModel: string | null;
  children: ComponentChildren;
}) {
  const chosen = score.modelId === chosenModel;
  return (
    <tr
      class={chosen ? "chosen" : score.excluded !== null ? "excluded" : undefined}
      data-testid="assignment-row"
      data-model-id={score.modelId}
      data-chosen={chosen ? "true" : "false"}
    >
      <td class="mono">
        {score.modelId}
        {chosen && <span class="badge model-state-ok chosen-mark">chosen</span>}
      </td>
      {children}
    </tr>
  );
}
