/**
 * Use of something against its limit, as a bar: green while there is room, amber when nearly
 * used up, red at the limit. Without a limit the track stays empty and says so, so that a
 * missing limit is not mistaken for an idle model.
 */
export function Meter({
  label,
  used,
  limit,
  format,
  unlimited,
  testId,
}: {
  label: string;
  used: number;
  limit: number | null;
  format: (n: number) => string;
  /** What to write in the track when there is no limit: "no limit", "no budget". */
  unlimited: string;
  testId: string;
}) {
  if (limit === null) {
    return (
      <div class="meter" data-testid={testId} data-limited="false">
        <span class="meter-label">{label}</span>
        <span class="meter-track meter-unlimited">{unlimited}</span>
        <span class="meter-value" data-testid="meter-value">
          {format(used)}
        </span>
      </div>
    );
  }
  const share = limit > 0 ? used / limit : used > 0 ? 1 : 0;
  const level = share >= 1 ? "full" : share >= 0.75 ? "high" : "ok";
  return (
    <div class="meter" data-testid={testId} data-limited="true">
      <span class="meter-label">{label}</span>
      <span class="meter-track" role="img" aria-label={`${label}: ${format(used)} of ${format(limit)}`}>
        <span
          class={`meter-fill meter-${level}`}
          style={{ width: `${Math.min(100, Math.round(share * 1_000) / 10)}%` }}
        />
      </span>
      <span class="meter-value" data-testid="meter-value">
        {format(used)} <span class="muted">/ {format(limit)}</span>
      </span>
    </div>
  );
}
