/** Display helpers shared by the pages. Times are shown in the browser's time zone. */

export function formatTime(iso: string | null): string {
  if (iso === null) return "—";
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : `${date.toLocaleDateString()} ${date.toLocaleTimeString()}`;
}

export function formatDuration(fromIso: string | null, toIso: string | null): string {
  if (fromIso === null || toIso === null) return "—";
  return formatMs(Date.parse(toIso) - Date.parse(fromIso));
}

/** A span of time: "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min". */
export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** Time left, to the second, rounded up (a countdown never shows 0 s while time remains). */
export function formatCountdown(ms: number): string {
  const s = Math.ceil(ms / 1_000);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
}

/** US dollars; amounts under a cent keep four decimals, so that small spend is not shown as $0.00. */
export function formatUsd(usd: number): string {
  return usd > 0 && usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A share in [0, 1] as a whole percentage. */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

/**
 * An expected cost in US dollars, to two significant digits below a dollar ("$0.00013", "$0.024",
 * "$3.50"): the scheduler's estimates differ in their first digits, often far below a cent.
 */
export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (Math.abs(usd) < 1e-6) return usd < 0 ? "−≈$0" : "≈$0";
  const text = Math.abs(usd) < 1 ? Math.abs(usd).toPrecision(2) : Math.abs(usd).toFixed(2);
  return `${usd < 0 ? "−" : ""}$${text}`;
}
