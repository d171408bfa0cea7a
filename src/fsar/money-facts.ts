import type { Queryable } from "../db/database.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { exhaustedIdeas, modelStates, readModelWorld } from "../models/model-world.ts";
import type { LedgerMode } from "../money/ledger.ts";
import { ledgerSums } from "../money/ledger-sums.ts";
import { type MoneyConfig, toReportingMinor } from "../money/money-config.ts";
import type { TaskKindRegistry } from "../tasks/task-kinds.ts";
import type { AssessmentWindow } from "./assessor.ts";

/**
 * What the money assessor measures (assess-money.ts judges it): counts of Stripe's decisions from
 * the inbox's type index, sums from the ledger's daily and monthly sums, and budgets from the
 * day rollups, so that a report reads a few hundred rows however large the history.
 */

export const hourMs = 3_600_000;
export const dayMs = 86_400_000;
/** The period before the window that payment failures and conversion are set against. */
export const beforeMs = 24 * hourMs;
/** Card networks judge dispute rates by the month. */
export const disputeDays = 30;

const modeFilter = (param: string) => `(${param}::text = 'all' OR livemode = (${param}::text = 'live'))`;

/** Distinct Stripe objects that an event of a type concerned, in the window and in the 24 hours before it. */
export interface DecisionCounts {
  now: number;
  before: number;
}

export interface StripeDecisions {
  chargesSucceeded: DecisionCounts;
  chargesFailed: DecisionCounts;
  checkoutsCompleted: DecisionCounts;
  checkoutsExpired: DecisionCounts;
}

const decisionTypes = {
  chargesSucceeded: "charge.succeeded",
  chargesFailed: "charge.failed",
  checkoutsCompleted: "checkout.session.completed",
  checkoutsExpired: "checkout.session.expired",
} as const;

/**
 * Charges that succeeded or failed and checkout sessions that completed or expired, by when
 * Stripe decided them (the event's `created`), from stripe_events through its (type, created_at)
 * index: each object once, however often it was delivered.
 */
export async function stripeDecisions(
  db: Queryable,
  window: AssessmentWindow,
  mode: LedgerMode,
): Promise<StripeDecisions> {
  const { rows } = await db.query<{ type: string; now: number; before: number }>(
    `SELECT type, count(DISTINCT object_id) FILTER (WHERE created_at >= $2)::int AS now,
            count(DISTINCT object_id) FILTER (WHERE created_at < $2)::int AS before
     FROM stripe_events
     WHERE type = ANY($1::text[]) AND created_at >= $3 AND created_at < $4 AND ${modeFilter("$5")}
     GROUP BY type`,
    [Object.values(decisionTypes), window.from, new Date(window.from.getTime() - beforeMs), window.to, mode],
  );
  const count = (type: string) => {
    const row = rows.find((r) => r.type === type);
    return { now: row?.now ?? 0, before: row?.before ?? 0 };
  };
  return {
    chargesSucceeded: count(decisionTypes.chargesSucceeded),
    chargesFailed: count(decisionTypes.chargesFailed),
    checkoutsCompleted: count(decisionTypes.checkoutsCompleted),
    checkoutsExpired: count(decisionTypes.checkoutsExpired),
  };
}

/** The ledger's revenue and refunds over a period, in the reporting currency. */
export interface RefundFacts {
  currency: string;
  /** Gross revenue and refunds (negative), converted through money.rates. */
  revenue: number;
  refunds: number;
  /** Revenue entries: one per payment. */
  payments: number;
  missingRates: string[];
}

export async function refundFacts(
  db: Queryable,
  config: MoneyConfig,
  period: { since: Date; until: Date; mode: LedgerMode },
): Promise<RefundFacts> {
  const sums = await ledgerSums(db, { ...period, keys: [] });
  const facts: RefundFacts = {
    currency: config.reportingCurrency,
    revenue: 0,
    refunds: 0,
    payments: 0,
    missingRates: [],
  };
  const missing = new Set<string>();
  for (const s of sums) {
    if (s.type !== "revenue" && s.type !== "refund") continue;
    const amount = toReportingMinor(config, s.currency, s.amount);
    if (amount === undefined) {
      missing.add(s.currency);
      continue;
    }
    if (s.type === "revenue") {
      facts.revenue += amount;
      facts.payments += s.entries;
    } else facts.refunds += amount;
  }
  facts.missingRates = [...missing].sort();
  return facts;
}

/**
 * Disputes (not inquiries) opened in the last 30 days up to `until`, against the payments of
 * those days: the disputes from the inbox's dispute events (index on type and time; a dispute
 * counts once, from any of its events that shows it past inquiry), the payments from the
 * ledger's daily and monthly sums (one revenue entry per payment).
 */
export async function disputeFacts(
  db: Queryable,
  until: Date,
  mode: LedgerMode,
): Promise<{ since: Date; until: Date; disputes: number; charges: number }> {
  const since = new Date(until.getTime() - disputeDays * dayMs);
  const { rows } = await db.query<{ disputes: number }>(
    `SELECT count(DISTINCT object_id)::int AS disputes FROM stripe_events
     WHERE type = ANY($1::text[]) AND created_at >= $2 AND created_at < $3 AND ${modeFilter("$4")}
       AND coalesce(payload #>> '{data,object,status}', '') NOT LIKE 'warning%'
       AND (payload #>> '{data,object,created}')::float8 >= extract(epoch FROM $2::timestamptz)`,
    [
      [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
      ],
      since,
      until,
      mode,
    ],
  );
  const sums = await ledgerSums(db, { since, until, mode, keys: [] });
  const charges = sums.filter((s) => s.type === "revenue").reduce((n, s) => n + s.entries, 0);
  return { since, until, disputes: rows[0]?.disputes ?? 0, charges };
}

/** A budget spent: a model's (its own or its provider's) or an idea's, with what it closes. */
export interface BudgetFact {
  scope: "model" | "idea";
  id: string;
  /** As the scheduler says it ("model m1: daily budget spent ($2.40 of $1.00)"). */
  reason: string;
  /** The budget that is spent: whose, which period, its cap and what was spent against it. */
  cap: {
    scope: "model" | "provider" | "idea";
    id: string;
    period: "daily" | "monthly";
    capUsd: number | null;
    spentUsd: number;
  };
  spentTodayUsd: number;
  spentMonthUsd: number;
  /** When the spent period ends (UTC): the next day or month. */
  renewsAt: Date;
  kinds: string[];
  /** Where the kinds came from: the window's rollups, the month's, or the kinds that use models. */
  kindsFrom: "window" | "month" | "model kinds";
}

const reasonPattern = /^(model|provider|idea) (\S+): (daily|monthly) budget/;

/**
 * Every model whose budget (its own or its provider's) is spent and every idea whose budget is
 * spent, as the scheduler decides it (model-assignment.ts, from the day rollups of this month),
 * with the kinds that spent on it. Nothing is read when no budget is configured.
 */
export async function budgetFacts(
  db: Queryable,
  registry: ModelRegistry,
  kinds: TaskKindRegistry,
  window: AssessmentWindow,
): Promise<BudgetFact[]> {
  const scopes = registry.budgeted();
  if (scopes.models !== null && scopes.models.length === 0 && scopes.ideas.length === 0) return [];
  const world = await readModelWorld(db, [], scopes);
  const now = world.now.getTime();
  const spent = (scope: "model" | "idea", id: string) =>
    world.spend?.find((s) => s.scope === scope && s.id === id) ?? { day: 0, month: 0 };
  const modelKinds = kinds
    .all()
    .filter((k) => k.model !== undefined)
    .map((k) => k.name);
  const facts: BudgetFact[] = [];
  const spentBudgets: { scope: "model" | "idea"; id: string; reason: string }[] = [
    ...modelStates(registry, world, now).flatMap((m) =>
      m.budgetExhausted === null ? [] : [{ scope: "model" as const, id: m.id, reason: m.budgetExhausted }],
    ),
    ...Object.entries(exhaustedIdeas(registry, world)).map(([id, reason]) => ({
      scope: "idea" as const,
      id,
      reason,
    })),
  ];
  for (const budget of spentBudgets) {
    const own = spent(budget.scope, budget.id);
    const [, capScope = budget.scope, capId = budget.id, period = "daily"] =
      reasonPattern.exec(budget.reason) ?? [];
    const daily = period === "daily";
    const cap = capOf(registry, capScope as BudgetFact["cap"]["scope"], capId, daily);
    const capSpent =
      capScope === "provider"
        ? registry
            .all()
            .filter((m) => m.provider.id === capId)
            .reduce(
              (sum, m) =>
                sum + ((daily ? spent("model", m.config.id).day : spent("model", m.config.id).month) ?? 0),
              0,
            )
        : ((daily ? own.day : own.month) ?? 0);
    const found = await spendingKinds(db, budget.scope, budget.id, window);
    facts.push({
      scope: budget.scope,
      id: budget.id,
      reason: budget.reason,
      cap: {
        scope: capScope as BudgetFact["cap"]["scope"],
        id: capId,
        period: daily ? "daily" : "monthly",
        capUsd: cap,
        spentUsd: capSpent,
      },
      spentTodayUsd: own.day ?? 0,
      spentMonthUsd: own.month ?? 0,
      renewsAt: daily
        ? new Date(Math.floor(now / dayMs) * dayMs + dayMs)
        : new Date(Date.UTC(world.now.getUTCFullYear(), world.now.getUTCMonth() + 1, 1)),
      ...(found ?? { kinds: modelKinds, kindsFrom: "model kinds" as const }),
    });
  }
  return facts;
}

function capOf(
  registry: ModelRegistry,
  scope: BudgetFact["cap"]["scope"],
  id: string,
  daily: boolean,
): number | null {
  if (scope === "model") {
    const config = registry.get(id)?.config;
    return (daily ? config?.dailyBudgetUsd : config?.monthlyBudgetUsd) ?? null;
  }
  const budget = registry.settings.budgets.find((b) => b.scope === scope && b.id === id);
  return (daily ? budget?.dailyUsd : budget?.monthlyUsd) ?? null;
}

/**
 * The task kinds that spent on a model (task_rollups) or an idea (idea_rollups) in the window,
 * else in the month so far (day rows); undefined when none spent on it.
 */
async function spendingKinds(
  db: Queryable,
  scope: "model" | "idea",
  id: string,
  window: AssessmentWindow,
): Promise<{ kinds: string[]; kindsFrom: "window" | "month" } | undefined> {
  // idea_rollups keep hours and days only.
  const grain = scope === "idea" && window.grain === "minute" ? "hour" : window.grain;
  const from =
    grain === "hour" && window.grain === "minute"
      ? new Date(Math.floor(window.from.getTime() / hourMs) * hourMs)
      : window.from;
  const monthStart = new Date(Date.UTC(window.to.getUTCFullYear(), window.to.getUTCMonth(), 1));
  const periods = [
    { grain, from, kindsFrom: "window" as const },
    { grain: "day", from: monthStart, kindsFrom: "month" as const },
  ];
  for (const period of periods) {
    const { rows } = await db.query<{ kind: string }>(
      scope === "model"
        ? `SELECT DISTINCT kind FROM task_rollups
           WHERE grain = $1 AND bucket_start >= $2 AND bucket_start < $3 AND model = $4 AND cost_usd > 0
           ORDER BY kind`
        : `SELECT DISTINCT kind FROM idea_rollups
           WHERE grain = $1 AND bucket_start >= $2 AND bucket_start < $3 AND cost_usd > 0
             AND idea_id = (SELECT id FROM ideas WHERE key = $4)
           ORDER BY kind`,
      [period.grain, period.from, window.to, id],
    );
    if (rows.length > 0) return { kinds: rows.map((r) => r.kind), kindsFrom: period.kindsFrom };
  }
  return undefined;
}
