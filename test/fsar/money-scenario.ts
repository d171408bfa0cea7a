// The money assessor's tests' world (assess-money-payments.test.ts, assess-money-revenue.test.ts):
// a database, Stripe events by time, spend, and the helpers that read the findings.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { Deps } from "../../src/app/deps.ts";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import type { Database } from "../../src/db/database.ts";
import { moneyAssessor } from "../../src/fsar/assess-money.ts";
import type { Finding } from "../../src/fsar/fsar-report.ts";
import { statsWindow } from "../../src/telemetry/stats-window.ts";
import { checkoutPayment, type StripeEvent, stripeEvent, stripeObject } from "../money/stripe-fixtures.ts";
import { assessorDepsOf } from "../support/assessor-deps.ts";
import { testDeps } from "../support/steward-deps.ts";
import { TestClock } from "../support/test-clock.ts";
import { createTestDatabase } from "../support/test-database.ts";

export const minute = 60;
export const hour = 3_600;
export const day = 86_400;
/** A fixed noon in the past: the Stripe objects, expenses and attempts of these tests are dated from it. */
export const noon = new Date("2026-11-18T12:00:00Z");
export const noonSec = noon.getTime() / 1000;
/** The same noon `days` later: the variants of one test, in one database, far enough apart not to see each other. */
export const noonAfter = (days: number) => new Date(noon.getTime() + days * 86_400_000);

export async function moneyDeps(t: TestContext, config?: ConfigInput): Promise<{ db: Database; deps: Deps }> {
  const { db } = await createTestDatabase(t);
  return { db, deps: await testDeps(db, { config }) };
}

/** The money assessor over the last `label` before `now`, with the clock held at `now`. */
export async function assess(deps: Deps, now: Date, label = "1h"): Promise<Finding[]> {
  const clock = new TestClock(now);
  const window = { ...statsWindow(label, undefined, clock.now()), label };
  return moneyAssessor.assess({ ...assessorDepsOf(deps), clock }, window);
}

let n = 0;
/** A charge that succeeded (attributed to `idea` when given) or failed, created at `at`. */
export function charge(
  at: number,
  options: { failed?: boolean; idea?: string; amount?: number; currency?: string } = {},
) {
  const id = ++n;
  const p = checkoutPayment(`c${id}`, { at, amount: options.amount, currency: options.currency });
  const metadata = options.idea ? { idea: options.idea } : {};
  const object = options.failed
    ? p.charge({ status: "failed", captured: false, amount_captured: 0, metadata })
    : p.charge({ metadata });
  return {
    p,
    event: stripeEvent(`evt_c${id}`, options.failed ? "charge.failed" : "charge.succeeded", object, at),
    refunded: (refundAt: number) =>
      stripeEvent(
        `evt_r${id}`,
        "charge.refunded",
        p.charge({ metadata, amount_refunded: p.amount, refunded: true }),
        refundAt,
      ),
  };
}

export function session(at: number, completed: boolean): StripeEvent {
  const object = stripeObject("checkout.session", {
    id: `cs_s${++n}`,
    status: completed ? "complete" : "expired",
    payment_status: completed ? "paid" : "unpaid",
    amount_total: 1000,
    currency: "usd",
    payment_intent: null,
    created: at - 10 * minute,
    metadata: {},
  });
  return stripeEvent(
    `evt_s${n}`,
    completed ? "checkout.session.completed" : "checkout.session.expired",
    object,
    at,
  );
}

export function dispute(chargeId: string, at: number, status = "needs_response"): StripeEvent {
  const object = stripeObject("dispute", {
    id: `dp_${++n}`,
    amount: 2000,
    currency: "usd",
    charge: chargeId,
    status,
    created: at,
    balance_transactions: [],
  });
  return stripeEvent(`evt_d${n}`, "charge.dispute.created", object, at);
}

/** `count` times `make(i)`, spread evenly over the `span` seconds ending `end`. */
export function spread<T>(count: number, end: number, span: number, make: (at: number, i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) =>
    make(Math.floor(end - span + ((i + 0.5) * span) / count), i),
  );
}

/** An attempt that cost `costUsd` on a model, finished at `finishedAt` (SQL): the rollup trigger counts it. */
export async function spend(
  db: Database,
  attempt: { kind: string; model: string; costUsd: number; ideaKey?: string; finishedAt?: Date },
) {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO execution_tasks (kind, stage, status, idea_id, ai_model, attempts, cost_usd)
     VALUES ($1, $1, 'succeeded', (SELECT id FROM ideas WHERE key = $2), $3, 1, $4) RETURNING id`,
    [attempt.kind, attempt.ideaKey ?? null, attempt.model, attempt.costUsd],
  );
  await db.query(
    `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at,
                                input_tokens, output_tokens, cost_usd)
     VALUES ($1, 1, 'worker-1', $2, 'succeeded', coalesce($3, now()) - interval '2 minutes',
             coalesce($3, now()) - interval '1 minute', coalesce($3, now()), 1000, 500, $4)`,
    [rows[0]!.id, attempt.model, attempt.finishedAt ?? null, attempt.costUsd],
  );
}

export const codes = (findings: Finding[]) => findings.map((f) => f.key).sort();
export const only = (findings: Finding[], code: string) => {
  const found = findings.filter((f) => f.code === code);
  assert.equal(found.length, 1, `one ${code} in ${JSON.stringify(codes(findings))}`);
  return found[0]!;
};
export const withRemedy = (f: Finding) => {
  assert.ok(f.remedy && f.remedy.length > 0, `${f.key} has a remedy`);
  assert.ok(f.risk && f.mitigation, `${f.key} has a risk and a mitigation`);
  assert.ok(f.evidence.window, `${f.key} has its window`);
  return f;
};
