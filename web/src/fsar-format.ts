/**
 * How the Reports page words what an FSAR report carries, for someone who has not read
 * docs/fsar.md: severity bands, triggers, the gate's causes and scopes, operator actions.
 */

/** The rubric's severity 1–10 in five bands of two (docs/fsar.md, "The rubric"). */
export type SeverityBand = "note" | "minor" | "notable" | "serious" | "critical";

export function severityBand(severity: number): SeverityBand {
  if (severity <= 2) return "note";
  if (severity <= 4) return "minor";
  if (severity <= 6) return "notable";
  if (severity <= 8) return "serious";
  return "critical";
}

/** One line on what a band means for the person reading. */
export const bandMeaning: Record<SeverityBand, string> = {
  note: "a note: nothing is wrong enough to act on",
  minor: "minor: worth a look when there is time; work goes on",
  notable: "notable: something is degraded or unseen; plan a fix",
  serious: "serious: work or money is being hurt; fix it soon",
  critical: "critical: the system cannot work properly or risks losing data; fix it now",
};

/** Why a report was written, in words: "schedule", "demand", "trigger: …", "import". */
export function triggerText(trigger: string): string {
  if (trigger === "schedule") return "on the schedule (fsar.schedule: every 30 minutes by default)";
  if (trigger === "demand") return "on demand (Run a report now, or `steward fsar run`)";
  if (trigger === "import") return "imported from another system (`steward fsar import`)";
  if (trigger.startsWith("trigger: ")) return `triggered by an event: ${trigger.slice("trigger: ".length)}`;
  return trigger;
}

/** A report's source: Steward's own, or `import:<name>`. */
export function sourceText(source: string): string {
  return source === "steward"
    ? "Steward"
    : source.startsWith("import:")
      ? `${source.slice(7)} (imported)`
      : source;
}

/** Who holds a closure: the reports of a source, or an operator. */
export function causeText(cause: string): string {
  if (cause === "operator") return "an operator, by hand";
  if (cause === "fsar:steward") return "Steward's reports";
  if (cause.startsWith("fsar:import:")) return `reports imported from ${cause.slice("fsar:import:".length)}`;
  return cause;
}

/** A gate scope: `*` is every kind. */
export function scopeText(scope: string): string {
  return scope === "*" ? "every kind" : scope;
}

export function kindsText(kinds: string[]): string {
  return kinds.length === 0 || kinds.includes("*") ? "every kind" : kinds.join(", ");
}

const actionNames: Record<string, string> = {
  "gate.close": "closed the gate",
  "gate.open": "opened the gate",
  "gate.override": "opened the gate by hand",
  "fsar.ack": "acknowledged a report",
  "fsar.resolve": "resolved a finding by hand",
  "fsar.import": "imported a report",
  "fsar.plan": "planned a report's actions",
};

export function actionText(action: string): string {
  return actionNames[action] ?? action;
}

/** An evidence number as read: strings quoted by nothing, null as a dash, numbers grouped. */
export function evidenceValue(value: number | string | null): string {
  if (value === null) return "—";
  if (typeof value === "number") return value.toLocaleString("en-US", { maximumFractionDigits: 4 });
  return value;
}

/** Time since an ISO instant, coarsely: "just now", "4 min", "2 h 5 min", "3 days". */
export function ageText(iso: string, now = Date.now()): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 60_000) return "less than a minute";
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
  const days = Math.floor(ms / 86_400_000);
  return `${days} day${days === 1 ? "" : "s"}`;
}
