/** A name or key in monospace, or a plain dash when there is none (a monospaced dash looks like a hyphen). */
export function Mono({ value }: { value: string | null }) {
  return value === null ? <span class="muted">—</span> : <span class="mono">{value}</span>;
}
