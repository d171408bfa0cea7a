import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import type { Database, Queryable } from "../db/database.ts";
import { StewardError } from "../errors.ts";
import { currencyDecimals } from "./currencies.ts";

/**
 * Expenses the operator records: one-off, or recurring every week, month or year. Each
 * occurrence up to today is a ledger entry `expense:<id>:<date>` (negative), brought up to date
 * whenever expenses change and by the workers' step each minute, so that an expense is never
 * counted twice and a removed one leaves nothing behind.
 */

export const expenseRecurrences = ["once", "week", "month", "year"] as const;
export type ExpenseRecurrence = (typeof expenseRecurrences)[number];

export interface Expense {
  id: number;
  name: string;
  category: string;
  amountMinor: number;
  currency: string;
  every: ExpenseRecurrence;
  startsOn: string;
  endsOn: string | null;
  idea: string | null;
  stream: string | null;
  createdAt: string;
}

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: "a date that exists (YYYY-MM-DD)",
    },
  );
const label = (max: number) =>
  z.string().trim().min(1, "may not be empty").max(max, `at most ${max} characters`);

/** One expense as the API, the CLI and a CSV row give it. `amount` is in the main unit ("49.00"). */
export const expenseInputSchema = z
  .strictObject({
    name: label(200),
    category: label(40).default("other"),
    amount: z.union([z.string(), z.number()]).optional(),
    amountMinor: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, "a three-letter ISO currency code (usd, eur, jpy)")
      .transform((c) => c.toLowerCase()),
    every: z.enum(expenseRecurrences).default("once"),
    from: day,
    until: day.optional(),
    idea: label(200).optional(),
    stream: label(200).optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.amount === undefined) === (e.amountMinor === undefined))
      ctx.addIssue({
        code: "custom",
        path: ["amount"],
        message: "give amount (49.00) or amountMinor (4900), one of them",
      });
    if (e.amount !== undefined) {
      const problem = amountProblem(String(e.amount), e.currency);
      if (problem) ctx.addIssue({ code: "custom", path: ["amount"], message: problem });
    }
    if (e.until !== undefined && e.until < e.from)
      ctx.addIssue({ code: "custom", path: ["until"], message: "must be on or after from" });
    if (e.every === "once" && e.until !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["until"],
        message: "a one-off expense has no end; set every to week, month or year",
      });
  });
export type ExpenseInput = z.input<typeof expenseInputSchema>;

function amountProblem(text: string, currency: string): string | undefined {
  const decimals = currencyDecimals(currency);
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return `"${text}" is not an amount: use digits and a point, as 49.00`;
  if ((match[2]?.length ?? 0) > decimals)
    return decimals === 0
      ? `${currency.toUpperCase()} has no decimals (Stripe's zero-decimal currency): "${text}"`
      : `${currency.toUpperCase()} has ${decimals} decimals, "${text}" has more`;
  if (Number(text) <= 0) return "must be more than zero";
  return undefined;
}

/** "49.5" USD is 4950; "1200" JPY is 1200. */
export function toMinor(text: string, currency: string): number {
  const decimals = currencyDecimals(currency);
  const [whole, fraction = ""] = text.trim().split(".");
  return Number(whole) * 10 ** decimals + Number(fraction.padEnd(decimals, "0") || "0");
}

type CheckedExpense = z.output<typeof expenseInputSchema>;

function checkExpenses(inputs: unknown[]): CheckedExpense[] {
  const problems: { path: string; message: string }[] = [];
  const checked = inputs.map((input, i) => {
    const result = expenseInputSchema.safeParse(input);
    if (result.success) return result.data;
    const prefix = inputs.length === 1 ? "" : `expenses[${i}].`;
    for (const issue of result.error.issues)
      problems.push({ path: `${prefix}${issue.path.join(".") || "(expense)"}`, message: issue.message });
    return undefined;
  });
  if (problems.length > 0)
    throw new StewardError(
      "validation_failed",
      `The expenses were refused, none was added: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}.`,
      { details: { problems } },
    );
  return checked as CheckedExpense[];
}

/** Derived entries are replaced whole: one transaction at a time may do it. */
export async function lockDerivedEntries(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('steward:money-sync'))");
}

/** Adds expenses, all or nothing, and derives their entries up to `today`. */
export async function addExpenses(db: Database, inputs: unknown[], today: Date): Promise<Expense[]> {
  const expenses = checkExpenses(inputs);
  return db.transaction(async (tx) => {
    await lockDerivedEntries(tx);
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO money_expenses (name, category, amount_minor, currency, every, starts_on, ends_on, idea, stream)
       SELECT x.name, x.category, x.amount_minor, x.currency, x.every, x.starts_on, x.ends_on, x.idea, x.stream
       FROM jsonb_to_recordset($1::jsonb)
            AS x(name text, category text, amount_minor bigint, currency text, every text, starts_on date,
                 ends_on date, idea text, stream text, n bigint)
       ORDER BY n RETURNING id`,
      [
        JSON.stringify(
          expenses.map((e, n) => ({
            n,
            name: e.name,
            category: e.category,
            amount_minor: e.amountMinor ?? toMinor(String(e.amount), e.currency),
            currency: e.currency,
            every: e.every,
            starts_on: e.from,
            ends_on: e.until ?? null,
            idea: e.idea ?? null,
            stream: e.stream ?? null,
          })),
        ),
      ],
    );
    await syncExpenseEntries(tx, today);
    return (await listExpenses(tx, { ids: rows.map((r) => r.id) })).sort((a, b) => a.id - b.id);
  });
}

/** The expenses recorded (not removed), newest first. */
export async function listExpenses(db: Queryable, query: { ids?: number[] } = {}): Promise<Expense[]> {
  const { rows } = await db.query<Expense>(
    `SELECT id, name, category, amount_minor::float8 AS "amountMinor", currency, every,
            to_char(starts_on, 'YYYY-MM-DD') AS "startsOn", to_char(ends_on, 'YYYY-MM-DD') AS "endsOn",
            idea, stream, created_at AS "createdAt"
     FROM money_expenses WHERE removed_at IS NULL AND ($1::bigint[] IS NULL OR id = ANY($1))
     ORDER BY id DESC`,
    [query.ids ?? null],
  );
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
}

/** Removes expenses: their entries leave the ledger. Answers which ids were removed and which name none. */
export async function removeExpenses(
  db: Database,
  ids: number[],
  today: Date,
): Promise<{ removed: number[]; missing: number[] }> {
  return db.transaction(async (tx) => {
    await lockDerivedEntries(tx);
    const { rows } = await tx.query<{ id: number }>(
      "UPDATE money_expenses SET removed_at = now() WHERE id = ANY($1::bigint[]) AND removed_at IS NULL RETURNING id",
      [ids],
    );
    await syncExpenseEntries(tx, today);
    const removed = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    return { removed, missing: ids.filter((id) => !removed.includes(id)) };
  });
}

/**
 * The expenses' entries, brought up to date: each occurrence from `starts_on` to `ends_on` or
 * today (whichever is first), every week, month or year counted from the start (31 January
 * monthly falls on the 28th or 29th of February and on 31 March), at midnight UTC. An expense is
 * never edited, only added or removed, so the entries of removed expenses go and the occurrences
 * not yet in the ledger are added: each run writes only what changed. Answers how many were added.
 */
export async function syncExpenseEntries(db: Queryable, today: Date): Promise<number> {
  await db.query(
    `DELETE FROM money_entries e
     WHERE e.source = 'expense'
       AND NOT EXISTS (SELECT 1 FROM money_expenses x
                       WHERE x.removed_at IS NULL AND x.id::text = split_part(e.source_id, ':', 2))`,
  );
  const { rowCount } = await db.query(
    `INSERT INTO money_entries (source, source_id, type, amount_minor, currency, occurred_at, idea, stream, livemode)
     SELECT 'expense', 'expense:' || x.id || ':' || to_char(o.on_day, 'YYYY-MM-DD'), 'expense', -x.amount_minor,
            x.currency, o.on_day::timestamp AT TIME ZONE 'UTC', x.idea, x.stream, true
     FROM money_expenses x
     CROSS JOIN LATERAL (
       SELECT (x.starts_on + n * CASE x.every WHEN 'week' THEN interval '1 week' WHEN 'month' THEN interval '1 month'
                                              WHEN 'year' THEN interval '1 year' ELSE interval '0' END)::date AS on_day
       -- Enough steps to reach today, never fewer (a month is at least 28 days); the WHERE cuts the rest.
       FROM generate_series(0, CASE x.every WHEN 'once' THEN 0
                                   ELSE greatest(0, ($1::date - x.starts_on) / CASE x.every WHEN 'week' THEN 7 WHEN 'month' THEN 28 ELSE 365 END) + 1
                              END) AS n
     ) o
     WHERE x.removed_at IS NULL AND o.on_day <= least(coalesce(x.ends_on, $1::date), $1::date)
     ON CONFLICT (source_id) DO NOTHING`,
    [today.toISOString().slice(0, 10)],
  );
  return rowCount ?? 0;
}

/** A row of an expenses CSV that was refused: its line, the column, and why. */
export interface BadRow {
  line: number;
  column: string;
  message: string;
}

/**
 * The expenses of a CSV file with a header row: name, category, amount, currency, every, from,
 * until, idea, stream (only name, amount, currency and from are required; columns in any order).
 * Answers the good rows and every bad one, with its line and column.
 */
export function parseExpenseCsv(text: string): {
  rows: { line: number; input: Record<string, string> }[];
  bad: BadRow[];
} {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, info: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new StewardError(
      "validation_failed",
      `The CSV cannot be read: ${e.message}; nothing was imported.`,
      {
        details: { problems: [{ path: `line ${e.lines ?? "?"}`, message: e.message }] },
      },
    );
  }
  const known = ["name", "category", "amount", "currency", "every", "from", "until", "idea", "stream"];
  const header = records[0] ? Object.keys(records[0].record) : [];
  const unknown = header.filter((h) => !known.includes(h));
  if (unknown.length > 0)
    throw new StewardError(
      "validation_failed",
      `The CSV's header has unknown columns ${unknown.join(", ")}: the columns are ${known.join(", ")}; nothing was imported.`,
      {
        details: {
          problems: unknown.map((c) => ({ path: `line 1, column ${c}`, message: "unknown column" })),
        },
      },
    );
  const rows: { line: number; input: Record<string, string> }[] = [];
  const bad: BadRow[] = [];
  for (const { record, info } of records) {
    const input = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ""));
    const result = expenseInputSchema.safeParse(input);
    if (result.success) rows.push({ line: info.lines, input });
    else
      for (const issue of result.error.issues)
        bad.push({ line: info.lines, column: String(issue.path[0] ?? "(row)"), message: issue.message });
  }
  return { rows, bad };
}

/**
 * Imports an expenses CSV: all or nothing, unless `skipBadRows`, when the good rows are added and
 * the bad ones reported. Either way every bad row is named by line and column.
 */
export async function importExpenses(
  db: Database,
  text: string,
  options: { skipBadRows?: boolean; today: Date },
): Promise<{ added: number; bad: BadRow[] }> {
  const { rows, bad } = parseExpenseCsv(text);
  if (bad.length > 0 && !options.skipBadRows)
    throw new StewardError(
      "validation_failed",
      `${bad.length} bad ${bad.length === 1 ? "row" : "rows"}, nothing was imported (--skip-bad-rows imports the good ones): ${bad
        .slice(0, 10)
        .map((b) => `line ${b.line}, column ${b.column}: ${b.message}`)
        .join("; ")}${bad.length > 10 ? "; …" : ""}.`,
      {
        details: {
          problems: bad.map((b) => ({ path: `line ${b.line}, column ${b.column}`, message: b.message })),
        },
      },
    );
  if (rows.length === 0) return { added: 0, bad };
  const added = await addExpenses(
    db,
    rows.map((r) => r.input),
    options.today,
  );
  return { added: added.length, bad };
}
