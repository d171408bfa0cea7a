/**
 * Microseconds since the Unix epoch of a timestamp as PostgreSQL writes it in JSON
 * ("2026-12-03T10:00:00.123456+00:00"): a Date keeps milliseconds and drops the rest, and what
 * the worker computes from the database's times must agree with SQL to the microsecond. Up to
 * six digits of fraction are read (PostgreSQL writes no more); NaN for what Date cannot read.
 */
export function epochMicros(text: string): number {
  const dot = text.indexOf(".", 19);
  if (dot === -1) return Date.parse(text) * 1000;
  let end = dot + 1;
  let fraction = 0;
  let digits = 0;
  for (; end < text.length; end++) {
    const digit = text.charCodeAt(end) - 48;
    if (digit < 0 || digit > 9) break;
    if (digits < 6) {
      fraction = fraction * 10 + digit;
      digits += 1;
    }
  }
  for (; digits < 6; digits++) fraction *= 10;
  return Date.parse(text.slice(0, dot) + text.slice(end)) * 1000 + fraction;
}
