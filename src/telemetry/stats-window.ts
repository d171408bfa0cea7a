import { StewardError } from "../errors.ts";

/** The rollup rows a window reads: minutes for up to six hours, hours for up to a week, then days. */
export type Grain = "minute" | "hour" | "day";

export interface StatsWindow {
  from: Date;
  to: Date;
  grain: Grain;
}

const grainMs: Record<Grain, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const unitMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A window from `since` (a duration back from now: `5m`, `1h`, `1d`, `30d`, `2w`; or an ISO time)
 * to `until` (an ISO time; now by default). Its start is moved back to the start of its first
 * bucket (the rollups count whole minutes, hours or days, in UTC), so "the last hour" read at
 * 10:42:30 counts from 09:42:00.
 */
export function statsWindow(since: string | undefined, until: string | undefined, now: Date): StatsWindow {
  const to = until === undefined ? now : parseTime(until, "until");
  const from = since === undefined ? new Date(to.getTime() - unitMs.h!) : parseSince(since, to);
  if (from.getTime() >= to.getTime())
    throw new StewardError(
      "validation_failed",
      `The window starts at ${from.toISOString()}, not before its end ${to.toISOString()}: since must be earlier than until.`,
      { details: { problems: [{ path: "since", message: "must be earlier than until" }] } },
    );
  const span = to.getTime() - from.getTime();
  const grain: Grain = span <= 6 * unitMs.h! ? "minute" : span <= 7 * unitMs.d! ? "hour" : "day";
  const step = grainMs[grain];
  return { from: new Date(Math.floor(from.getTime() / step) * step), to, grain };
}

/** `since` as a time: a duration back from `to` (5m, 1h, 1d, 30d, 2w) or an ISO time; not moved to a bucket. */
export function parseSince(value: string, to: Date): Date {
  const match = /^(\d{1,6})([mhdw])$/.exec(value.trim());
  if (match) return new Date(to.getTime() - Number(match[1]) * unitMs[match[2]!]!);
  return parseTime(value, "since");
}

function parseTime(value: string, path: string): Date {
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? new Date(value.trim())
    : new Date(Number.NaN);
  if (Number.isNaN(time.getTime()))
    throw new StewardError(
      "validation_failed",
      `${path} "${value}" is not a window: use a duration back from now (5m, 1h, 1d, 30d, 2w) or an ISO time (2026-11-30 or 2026-11-30T12:00:00Z).`,
      { details: { problems: [{ path, message: "a duration (5m, 1h, 1d, 30d, 2w) or an ISO time" }] } },
    );
  return time;
}
