import { bandMeaning, severityBand } from "../fsar-format.ts";

/** A severity 1–10 as a badge coloured by its band (note, minor, notable, serious, critical). */
export function SeverityBadge({
  severity,
  testId,
  large = false,
}: {
  severity: number;
  testId?: string;
  large?: boolean;
}) {
  const band = severityBand(severity);
  return (
    <span
      class={`badge severity severity-${band}${large ? " severity-large" : ""}`}
      title={`severity ${severity} of 10 — ${bandMeaning[band]}`}
      data-testid={testId}
      data-severity={severity}
    >
      {severity} · {band}
    </span>
  );
}

/** A finding that closes the gate, or one an operator let through. */
export function BlockingMark({ blocking, overridden }: { blocking: boolean; overridden?: boolean }) {
  if (!blocking) return null;
  return overridden ? (
    <span
      class="badge badge-pending"
      title="blocking, but an operator let it through"
      data-testid="overridden-mark"
    >
      let through
    </span>
  ) : (
    <span class="badge badge-drift" title="closes the execution gate" data-testid="blocking-mark">
      blocks
    </span>
  );
}
