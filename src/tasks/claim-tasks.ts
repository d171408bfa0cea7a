import type { Queryable } from "../db/database.ts";
import { epochMicros } from "../db/epoch-micros.ts";
import { prepared } from "../db/prepared-statements.ts";
import type { ClaimedTask } from "./task.ts";

export interface ClaimOptions {
  workerId: string;
  /** Most tasks to take in this statement. */
  limit: number;
  /** Kinds this worker can run. */
  kinds: string[];
  leaseMs: number;
}

/**
 * Claims up to `limit` ready tasks in one statement: the oldest `priority_at` first (urgency is
 * a head start in time, so nothing starves), skipping rows other workers hold (SKIP LOCKED),
 * kinds that are paused, and tasks whose `run_at` is still ahead. Each claimed task is leased to
 * the worker until `locked_until` and its attempt count goes up by one. The claim records its
 * tasks in task_claims (see ClaimBatch).
 *
 * On PGlite, SKIP LOCKED has nothing to skip (one connection, serialised): claims simply queue.
 */
export async function claimTasks(db: Queryable, options: ClaimOptions): Promise<ClaimedTask[]> {
  return (await claimTaskBatch(db, options)).tasks;
}

/** What one claim statement leased, and the claim that records it (null: nothing was claimed). */
export interface ClaimBatch {
  /**
   * The claim's row in task_claims, through which expired leases are found (migration 0008).
   * The worker removes it once it is done with every task of the claim (completeTasks'
   * spentClaims); maintenance removes those of workers that stopped without doing so.
   */
  claimId: number | null;
  tasks: ClaimedTask[];
}

/** claimTasks, with the claim's id. */
export async function claimTaskBatch(db: Queryable, options: ClaimOptions): Promise<ClaimBatch> {
  const { rows } = await db.query<{ claimed: string | null }>(claimSql, [
    options.workerId,
    options.limit,
    options.kinds,
    options.leaseMs,
  ]);
  const text = rows[0]?.claimed;
  if (!text) return { claimId: null, tasks: [] };
  const [startedAt, claimed, claimId] = JSON.parse(text) as [string, ClaimRow[], number];
  const startedUs = epochMicros(startedAt);
  const started = new Date(Math.floor(startedUs / 1000));
  return { claimId, tasks: claimed.map((row) => toClaimedTask(row, started, startedUs)) };
}

// One JSON text of positional arrays, built by the function (see migration 0004 for the costs):
// parsing one JSON text costs a third of what PGlite spends parsing the same rows column by
// column (16 against 46 µs a task, measured on 500).
const claimSql = prepared("steward_claim", "SELECT steward_claim_tasks($1, $2, $3::text[], $4) AS claimed");

/** One claimed task, in the order steward_claim_tasks() writes it (migration 0008). */
type ClaimRow = [
  id: number,
  kind: string,
  stage: string,
  ideaId: number | null,
  urgency: number,
  complexity: number,
  capabilities: string[],
  payload: unknown,
  aiModel: string | null,
  attempts: number,
  maxAttempts: number,
  timeoutMs: number | null,
  deadline: string | null,
  runAt: string,
];

function toClaimedTask(row: ClaimRow, startedAt: Date, startedUs: number): ClaimedTask {
  const [
    id,
    kind,
    stage,
    ideaId,
    urgency,
    complexity,
    capabilities,
    payload,
    aiModel,
    attempts,
    maxAttempts,
  ] = row;
  const deadlineUs = row[12] === null ? null : epochMicros(row[12]);
  const readyUs = epochMicros(row[13]);
  return {
    id,
    kind,
    stage,
    ideaId,
    urgency,
    complexity,
    capabilities,
    payload,
    aiModel,
    attempt: attempts,
    maxAttempts,
    timeoutMs: row[11],
    deadline: deadlineUs === null ? null : new Date(Math.floor(deadlineUs / 1000)),
    readyAt: new Date(Math.floor(readyUs / 1000)),
    startedAt,
    micros: { readyAt: readyUs, startedAt: startedUs, deadline: deadlineUs },
  };
}
